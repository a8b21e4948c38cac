// Profile and body metrics: the numbers calories are computed from, and weight over time.

import { api } from "../api";
import { chartFigure } from "../charts";
import {
  clearFormErrors,
  emptyState,
  errorBox,
  field,
  formError,
  h,
  loading,
  replace,
  showFormErrors,
} from "../dom";
import { dateTime, displayToKg, formatWeight, kgToDisplay, weightUnit } from "../format";
import type { PageContext } from "../router";
import { currentUser, setCurrentUser } from "../session";
import type { Page, Profile, WeightEntry } from "../types";
import { asApiError } from "./auth";

const MAX_WEIGHT_PAGES = 5; // 1000 entries: years of daily weighing

export function profilePage(main: HTMLElement, context: PageContext): void {
  const profileSlot = h("section", { "aria-labelledby": "profile-h" });
  const weightSlot = h("section", { "aria-labelledby": "weights-h" });
  main.append(h("h1", {}, "Profile and body metrics"), h("div", { class: "columns" }, profileSlot, weightSlot));
  renderProfileForm(profileSlot, currentUser()!, () => void loadWeights(weightSlot, context));
  void loadWeights(weightSlot, context);
}

function renderProfileForm(slot: HTMLElement, profile: Profile, onUnitsChange: () => void): void {
  const sex = h(
    "select",
    { name: "sex" },
    ["unspecified", "female", "male"].map((v) =>
      h("option", { value: v, selected: profile.sex === v }, v === "unspecified" ? "Not given" : v[0].toUpperCase() + v.slice(1)),
    ),
  );
  const units = h(
    "select",
    { name: "units" },
    h("option", { value: "metric", selected: profile.units === "metric" }, "Metric (kg)"),
    h("option", { value: "imperial", selected: profile.units === "imperial" }, "Imperial (lb)"),
  );
  const retention = h(
    "select",
    { name: "video_retention_days" },
    [
      ["", "Keep videos"],
      ["0", "Delete right after analysis"],
      ["7", "Delete after 7 days"],
      ["30", "Delete after 30 days"],
      ["365", "Delete after a year"],
    ].map(([value, label]) =>
      h("option", { value, selected: String(profile.video_retention_days ?? "") === value }, label),
    ),
  );
  const status = h("p", { class: "saved", role: "status" });
  const submit = h("button", { type: "submit" }, "Save profile");
  const form = h(
    "form",
    { class: "card", novalidate: true, id: "profile-form" },
    h("h2", { id: "profile-h" }, "Profile"),
    h("p", { class: "muted" }, profile.email),
    formError(),
    field("Name", h("input", { name: "display_name", type: "text", value: profile.display_name, autocomplete: "nickname" })),
    field("Sex", sex, "Used for the resting metabolic rate in calorie estimates."),
    field("Birth date", h("input", { name: "birth_date", type: "date", value: profile.birth_date ?? "" })),
    field("Height (cm)", h("input", { name: "height_cm", type: "number", inputmode: "decimal", step: "0.1", min: 80, max: 250, value: profile.height_cm ?? "" })),
    field("Units", units),
    field("Workout videos", retention),
    submit,
    status,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearFormErrors(form);
    status.textContent = "";
    const data = new FormData(form);
    const text = (name: string) => String(data.get(name) ?? "").trim();
    const body = {
      display_name: text("display_name"),
      sex: text("sex"),
      birth_date: text("birth_date") || null,
      height_cm: text("height_cm") === "" ? null : Number(text("height_cm")),
      units: text("units"),
      video_retention_days: text("video_retention_days") === "" ? null : Number(text("video_retention_days")),
    };
    submit.disabled = true;
    try {
      const saved = await api.patch<Profile>("/api/v1/me/", body);
      const unitsChanged = saved.units !== currentUser()?.units;
      setCurrentUser(saved);
      status.textContent = "Saved.";
      if (unitsChanged) onUnitsChange();
    } catch (error) {
      showFormErrors(form, asApiError(error));
    } finally {
      submit.disabled = false;
    }
  });
  replace(slot, form);
}

async function fetchAllWeights(): Promise<WeightEntry[]> {
  const entries: WeightEntry[] = [];
  let url: string | null = "/api/v1/me/weights/?page_size=200";
  for (let page = 0; url && page < MAX_WEIGHT_PAGES; page++) {
    const answer: Page<WeightEntry> = await api.get<Page<WeightEntry>>(url);
    entries.push(...answer.results);
    url = answer.next && new URL(answer.next, location.href).pathname + new URL(answer.next, location.href).search;
  }
  return entries;
}

async function loadWeights(slot: HTMLElement, context: PageContext): Promise<void> {
  replace(slot, h("h2", { id: "weights-h" }, "Body weight"), loading("weights"));
  let entries: WeightEntry[];
  try {
    entries = await fetchAllWeights();
  } catch (error) {
    replace(slot, h("h2", { id: "weights-h" }, "Body weight"), errorBox((error as Error).message, () => void loadWeights(slot, context)));
    return;
  }
  const profile = currentUser();
  const unit = weightUnit(profile);
  const reload = () => void loadWeights(slot, context);

  const submit = h("button", { type: "submit" }, "Add weight");
  const form = h(
    "form",
    { class: "card", novalidate: true, id: "weight-form" },
    formError(),
    h(
      "div",
      { class: "row" },
      field(`Weight (${unit})`, h("input", { name: "weight_kg", type: "number", inputmode: "decimal", step: "0.1", required: true })),
      field("Measured (optional)", h("input", { name: "measured_at", type: "datetime-local" }), "Now if left empty."),
    ),
    submit,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearFormErrors(form);
    const data = new FormData(form);
    const raw = String(data.get("weight_kg") ?? "").trim();
    const measured = String(data.get("measured_at") ?? "");
    const body: Record<string, unknown> = {
      // Empty stays empty so the API says "required" rather than the client guessing.
      weight_kg: raw === "" ? null : Math.round(displayToKg(Number(raw), profile) * 100) / 100,
    };
    if (measured) body.measured_at = new Date(measured).toISOString();
    submit.disabled = true;
    try {
      const entry = await api.post<WeightEntry>("/api/v1/me/weights/", body);
      if (currentUser()) setCurrentUser({ ...currentUser()!, weight_kg: entry.weight_kg });
      reload();
    } catch (error) {
      showFormErrors(form, asApiError(error));
      submit.disabled = false;
    }
  });

  const chronological = [...entries].reverse();
  const parts: (HTMLElement | null)[] = [h("h2", { id: "weights-h" }, "Body weight"), form];
  if (entries.length === 0) {
    parts.push(emptyState("No weight recorded yet. Add one so calorie estimates use your weight."));
  } else {
    const chart = chartFigure({
      id: "weight-chart",
      title: `Weight over time (${unit})`,
      type: "line",
      labels: chronological.map((e) => dateTime(e.measured_at)),
      times: chronological.map((e) => new Date(e.measured_at).getTime()),
      series: [{ label: `Weight (${unit})`, values: chronological.map((e) => Math.round(kgToDisplay(e.weight_kg, profile) * 10) / 10) }],
    });
    context.onLeave(chart.destroy);
    parts.push(chart.element, weightTable(entries.slice(0, 20), reload));
  }
  replace(slot, ...parts);
}

function weightTable(entries: WeightEntry[], reload: () => void): HTMLElement {
  const profile = currentUser();
  return h(
    "table",
    { class: "list", id: "weight-list" },
    h("caption", {}, "Latest entries"),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Measured"), h("th", { scope: "col" }, "Weight"), h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Actions")))),
    h(
      "tbody",
      {},
      entries.map((entry) => {
        const remove = h("button", { type: "button", class: "secondary small", "aria-label": `Delete ${formatWeight(entry.weight_kg, profile)} of ${dateTime(entry.measured_at)}` }, "Delete");
        remove.addEventListener("click", async () => {
          if (!confirm("Delete this weight entry?")) return;
          remove.disabled = true;
          try {
            await api.delete(`/api/v1/me/weights/${entry.id}/`);
            reload();
          } catch (error) {
            remove.disabled = false;
            alert((error as Error).message);
          }
        });
        return h("tr", {}, h("td", {}, dateTime(entry.measured_at)), h("td", {}, formatWeight(entry.weight_kg, profile)), h("td", {}, remove));
      }),
    ),
  );
}
