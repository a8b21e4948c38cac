// Statistics: calories and active minutes per week or month, repetitions per exercise over
// time, streaks and personal records. All computed by the API in the browser's time zone.

import { api } from "../api";
import { chartFigure } from "../charts";
import { emptyState, errorBox, h, loading, replace, statItem } from "../dom";
import { browserTimeZone, clock, dateOnly, dateTime, exerciseName } from "../format";
import { filledBuckets, periodLabel } from "../periods";
import { BASE, navigate, type PageContext } from "../router";
import type { Records, Streaks, Timeline } from "../types";

type Period = "week" | "month";

export async function statsPage(main: HTMLElement, context: PageContext): Promise<void> {
  const period: Period = context.query.get("period") === "month" ? "month" : "week";
  const tz = browserTimeZone();
  const toggle = h(
    "div",
    { class: "segmented", role: "group", "aria-label": "Group by" },
    (["week", "month"] as Period[]).map((p) =>
      h(
        "button",
        {
          type: "button",
          "aria-pressed": String(p === period),
          onclick: () => navigate(`${BASE}/${p === "week" ? "" : "?period=month"}`),
        },
        p === "week" ? "Per week" : "Per month",
      ),
    ),
  );
  const body = h("div", { id: "stats-body" }, loading("your statistics"));
  main.append(h("div", { class: "page-head" }, h("h1", {}, "Statistics"), toggle), body);
  await load(body, period, tz, context);
}

async function load(body: HTMLElement, period: Period, tz: string, context: PageContext): Promise<void> {
  replace(body, loading("your statistics"));
  const q = new URLSearchParams({ tz, period });
  let timeline: Timeline, records: Records, streaks: Streaks;
  try {
    [timeline, records, streaks] = await Promise.all([
      api.get<Timeline>(`/api/v1/stats/timeline/?${q}`),
      api.get<Records>("/api/v1/stats/records/"),
      api.get<Streaks>(`/api/v1/stats/streaks/?${new URLSearchParams({ tz })}`),
    ]);
  } catch (error) {
    replace(body, errorBox(`Cannot load the statistics: ${(error as Error).message}`, () => void load(body, period, tz, context)));
    return;
  }

  const parts: HTMLElement[] = [streakCards(streaks)];
  if (timeline.buckets.length === 0) {
    parts.push(
      emptyState(
        `No workouts between ${dateOnly(timeline.start)} and ${dateOnly(timeline.end)} yet. Your calories, active minutes and repetitions per ${period} will appear here.`,
        h("a", { href: `${BASE}/upload`, class: "button" }, "Upload a video"),
        h("a", { href: `${BASE}/live`, class: "button secondary" }, "Start a live workout"),
      ),
    );
  } else {
    const buckets = filledBuckets(timeline);
    const labels = buckets.map((b) => periodLabel(b.start, period));
    const per = period === "week" ? "week" : "month";
    const exercises = [...new Set(buckets.flatMap((b) => Object.keys(b.reps)))].sort();
    const charts = [
      chartFigure({ id: "kcal-chart", title: `Calories per ${per}`, type: "bar", labels, series: [{ label: "kcal", values: buckets.map((b) => round1(b.kcal)) }], yTitle: "kcal" }),
      chartFigure({ id: "minutes-chart", title: `Active minutes per ${per}`, type: "bar", labels, series: [{ label: "Active minutes", values: buckets.map((b) => round1(b.active_minutes)) }], yTitle: "minutes" }),
      exercises.length
        ? chartFigure({
            id: "reps-chart",
            title: `Repetitions per exercise per ${per}`,
            type: "bar",
            labels,
            stacked: true,
            series: exercises.map((e) => ({ label: exerciseName(e), values: buckets.map((b) => b.reps[e] ?? 0) })),
            yTitle: "repetitions",
            integers: true,
          })
        : null,
    ];
    charts.forEach((c) => c && context.onLeave(c.destroy));
    parts.push(
      h("p", { class: "muted" }, `${dateOnly(timeline.start)} – ${dateOnly(timeline.end)}, ${timeline.tz}`),
      h("div", { class: "chart-grid" }, charts.map((c) => c?.element ?? h("div", { class: "chart" }, h("p", { class: "muted" }, "No repetitions counted in this range.")))),
    );
  }
  parts.push(recordsSection(records));
  replace(body, ...parts);
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

function streakCards(streaks: Streaks): HTMLElement {
  const days = (n: number) => `${n} day${n === 1 ? "" : "s"}`;
  const longest = h(
    "dd",
    {},
    days(streaks.longest_days),
    streaks.longest_start && streaks.longest_end && streaks.longest_days > 1
      ? h("small", {}, `${dateOnly(streaks.longest_start)} – ${dateOnly(streaks.longest_end)}`)
      : null,
  );
  return h(
    "dl",
    { class: "stats-grid card", id: "streaks" },
    statItem("Current streak", days(streaks.current_days), "current-streak"),
    statItem("Longest streak", longest, "longest-streak"),
    statItem("Last workout", streaks.last_workout_day ? dateOnly(streaks.last_workout_day) : "—", "last-workout"),
  );
}

function recordsSection(records: Records): HTMLElement {
  const items = [
    ...records.most_reps.map((r) =>
      h("li", { "data-exercise": r.exercise }, h("a", { href: `${BASE}/sessions/${r.session_id}` }, h("strong", {}, exerciseName(r.exercise))), ` ${r.reps} reps in one bout`),
    ),
    records.longest_plank
      ? h(
          "li",
          { "data-exercise": "plank" },
          h("a", { href: `${BASE}/sessions/${records.longest_plank.session_id}` }, h("strong", {}, "Plank")),
          ` ${clock(records.longest_plank.hold_s)} held (${dateTime(records.longest_plank.achieved_at)})`,
        )
      : null,
  ].filter((x): x is HTMLLIElement => x !== null);
  return h(
    "section",
    { "aria-labelledby": "records-h", class: "card" },
    h("h2", { id: "records-h" }, "Personal records"),
    items.length ? h("ul", { class: "records", id: "records" }, items) : h("p", { class: "muted" }, "Records appear after your first analysed workout."),
  );
}
