// Charts with Chart.js 4, each paired with a data table: the table is the accessible
// version of the chart (screen readers, keyboard users) and shows the exact numbers.

import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartDataset,
} from "chart.js";

import { h } from "./dom";

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
);
Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily || "system-ui";
Chart.defaults.color = "#333";

// Distinguishable colours with enough contrast on white (Okabe–Ito palette).
export const PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"];

export interface Series {
  label: string;
  values: (number | null)[];
  unit?: string;
}

export interface ChartSpec {
  id: string;
  title: string;
  type: "bar" | "line";
  labels: string[];
  series: Series[];
  stacked?: boolean;
  yTitle?: string;
  /** Whole numbers only on the value axis (counts: no "0.5 repetitions"). */
  integers?: boolean;
  /** Place points by time (ms since epoch) instead of evenly, e.g. irregular weigh-ins. */
  times?: number[];
}

/** A <figure> with the chart and its data table; call .destroy() when leaving the page. */
export function chartFigure(spec: ChartSpec): { element: HTMLElement; destroy(): void } {
  const canvas = h("canvas", { role: "img", "aria-label": `${spec.title} (chart; the same data is in the table below)` });
  const table = dataTable(spec);
  const element = h(
    "figure",
    { class: "chart", id: spec.id, "data-chart": spec.id },
    h("figcaption", {}, spec.title),
    h("div", { class: "chart-canvas" }, canvas),
    h("details", {}, h("summary", {}, "Show the numbers"), table),
  );
  const times = spec.times;
  const datasets: ChartDataset<"bar" | "line", (number | null | { x: number; y: number | null })[]>[] = spec.series.map((s, i) => ({
    label: s.label,
    data: times ? s.values.map((y, k) => ({ x: times[k], y })) : s.values,
    backgroundColor: PALETTE[i % PALETTE.length],
    borderColor: PALETTE[i % PALETTE.length],
    borderWidth: spec.type === "line" ? 2 : 0,
    pointRadius: spec.type === "line" ? 3 : undefined,
    spanGaps: true,
  }));
  const chart = new Chart(canvas, {
    type: spec.type,
    data: { labels: times ? undefined : spec.labels, datasets },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false, // charts appear at once; also keeps screenshots deterministic
      plugins: {
        legend: { display: spec.series.length > 1, position: "bottom" },
        tooltip: times ? { callbacks: { title: (items) => spec.labels[items[0].dataIndex] } } : {},
      },
      scales: {
        x: times
          ? {
              type: "linear",
              ticks: {
                maxRotation: 0,
                maxTicksLimit: 5,
                callback: (value) => new Date(Number(value)).toLocaleDateString(undefined, { dateStyle: "medium" }),
              },
            }
          : { stacked: spec.stacked, ticks: { autoSkip: true, maxRotation: 0 } },
        y: {
          stacked: spec.stacked,
          ticks: spec.integers ? { precision: 0 } : {},
          beginAtZero: spec.type === "bar",
          title: { display: !!spec.yTitle, text: spec.yTitle ?? "" },
        },
      },
    },
  });
  return { element, destroy: () => chart.destroy() };
}

function dataTable(spec: ChartSpec): HTMLTableElement {
  return h(
    "table",
    { class: "data" },
    h("caption", { class: "visually-hidden" }, spec.title),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, ""), spec.series.map((s) => h("th", { scope: "col" }, s.label)))),
    h(
      "tbody",
      {},
      spec.labels.map((label, row) =>
        h(
          "tr",
          {},
          h("th", { scope: "row" }, label),
          spec.series.map((s) => h("td", {}, s.values[row] === null ? "—" : formatNumber(s.values[row]!))),
        ),
      ),
    ),
  );
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}
