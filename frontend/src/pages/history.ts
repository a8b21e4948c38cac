// History: the sessions with filters. Filters live in the URL's query string, so a filtered
// view can be bookmarked, shared, and survives a reload.

import { api } from "../api";
import { emptyState, errorBox, field, h, loading, replace } from "../dom";
import { clock, dateTime, exerciseName, kcal, sessionTitle, STATUS_LABELS } from "../format";
import { BASE, navigate, type PageContext } from "../router";
import type { Page, Records, Session } from "../types";

const PAGE_SIZE = 20;
const ORDERINGS: [string, string][] = [
  ["-started_at", "Newest first"],
  ["started_at", "Oldest first"],
  ["-total_kcal", "Most calories"],
  ["-total_reps", "Most repetitions"],
  ["-active_s", "Longest active time"],
  ["-duration_s", "Longest video"],
];

export async function historyPage(main: HTMLElement, context: PageContext): Promise<void> {
  const query = context.query;
  const exerciseSelect = h("select", { name: "exercise" }, h("option", { value: "" }, "Any exercise"));
  const form = h(
    "form",
    { class: "card filters", id: "history-filters", role: "search", "aria-label": "Filter sessions" },
    field("Exercise", exerciseSelect),
    field(
      "Status",
      h(
        "select",
        { name: "status" },
        h("option", { value: "" }, "Any status"),
        ["done", "live", "processing", "pending", "failed"].map((s) => h("option", { value: s, selected: query.get("status") === s }, STATUS_LABELS[s])),
      ),
    ),
    field("From", h("input", { name: "from", type: "date", value: query.get("from") ?? "" })),
    field("To", h("input", { name: "to", type: "date", value: query.get("to") ?? "" })),
    field("Sort", h("select", { name: "ordering" }, ORDERINGS.map(([v, label]) => h("option", { value: v, selected: (query.get("ordering") ?? "-started_at") === v }, label)))),
    h("div", { class: "filter-actions" }, h("button", { type: "submit" }, "Apply filters"), h("a", { href: `${BASE}/sessions`, class: "button secondary" }, "Clear")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const params = new URLSearchParams();
    for (const [name, value] of new FormData(form)) if (value) params.set(name, String(value));
    if (params.get("ordering") === "-started_at") params.delete("ordering");
    navigate(`${BASE}/sessions${params.size ? `?${params}` : ""}`);
  });
  const results = h("section", { "aria-live": "polite", id: "history-results" });
  main.append(
    h("div", { class: "page-head" }, h("h1", {}, "History"), h("a", { href: `${BASE}/upload`, class: "button" }, "Upload a workout")),
    form,
    results,
  );
  void fillExercises(exerciseSelect, query.get("exercise"));
  await loadResults(results, query);
}

/** The exercises this person has done (from their records), for the exercise filter. */
async function fillExercises(select: HTMLSelectElement, selected: string | null): Promise<void> {
  const names = new Set<string>();
  if (selected) names.add(selected);
  try {
    const records = await api.get<Records>("/api/v1/stats/records/");
    records.most_reps.forEach((r) => names.add(r.exercise));
    if (records.longest_plank) names.add("plank");
  } catch {
    // The filter still works with the current choice; the list is a convenience.
  }
  for (const name of [...names].sort()) {
    select.append(h("option", { value: name, selected: name === selected }, exerciseName(name)));
  }
}

function apiQuery(query: URLSearchParams): URLSearchParams {
  const params = new URLSearchParams({ page_size: String(PAGE_SIZE), page: query.get("page") ?? "1" });
  for (const name of ["exercise", "status", "ordering"]) if (query.get(name)) params.set(name, query.get(name)!);
  // Dates are local calendar days: from the start of "from" to the end of "to", in this browser's zone.
  if (query.get("from")) params.set("started_after", new Date(`${query.get("from")}T00:00:00`).toISOString());
  if (query.get("to")) params.set("started_before", new Date(`${query.get("to")}T23:59:59.999`).toISOString());
  return params;
}

async function loadResults(slot: HTMLElement, query: URLSearchParams): Promise<void> {
  replace(slot, loading("sessions"));
  let page: Page<Session>;
  try {
    page = await api.get<Page<Session>>(`/api/v1/sessions/?${apiQuery(query)}`);
  } catch (error) {
    replace(slot, errorBox((error as Error).message, () => void loadResults(slot, query)));
    return;
  }
  const filtered = ["exercise", "status", "from", "to"].some((n) => query.get(n));
  if (page.count === 0) {
    replace(
      slot,
      filtered
        ? emptyState("No sessions match these filters.", h("a", { href: `${BASE}/sessions` }, "Show all sessions"))
        : emptyState("No workouts yet.", h("a", { href: `${BASE}/upload`, class: "button" }, "Upload a video"), h("a", { href: `${BASE}/live`, class: "button secondary" }, "Start a live workout")),
    );
    return;
  }
  const pageNumber = Number(query.get("page") ?? "1");
  const pageLink = (n: number, label: string) => {
    const params = new URLSearchParams(query);
    params.set("page", String(n));
    return h("a", { href: `${BASE}/sessions?${params}`, class: "button secondary" }, label);
  };
  replace(
    slot,
    h("p", { class: "muted" }, `${page.count} session${page.count === 1 ? "" : "s"}`),
    h(
      "ul",
      { class: "session-list", id: "session-list" },
      page.results.map((s) =>
        h(
          "li",
          { "data-session-id": s.id },
          h(
            "a",
            { href: `${BASE}/sessions/${s.id}`, class: "session-link" },
            // The poster frame, fetched with the session cookie; lazily, so a long page costs only what is seen.
            s.thumbnail_url ? h("img", { class: "session-thumb", src: s.thumbnail_url, alt: "", loading: "lazy", width: 80, height: 45 }) : h("span", { class: "session-thumb", "aria-hidden": "true" }),
            h("strong", {}, sessionTitle(s)),
            h("span", { class: "muted" }, ` · ${dateTime(s.started_at)}`),
          ),
          h(
            "span",
            { class: "session-facts" },
            h("span", { class: `badge status-${s.status}` }, STATUS_LABELS[s.status] ?? s.status),
            s.status === "done" ? [h("span", {}, `${s.total_reps ?? 0} reps`), h("span", {}, kcal(s.total_kcal)), h("span", {}, clock(s.duration_s))] : null,
          ),
        ),
      ),
    ),
    h(
      "nav",
      { class: "pager", "aria-label": "Pages" },
      page.previous ? pageLink(pageNumber - 1, "← Previous") : null,
      h("span", {}, `Page ${pageNumber} of ${Math.max(1, Math.ceil(page.count / PAGE_SIZE))}`),
      page.next ? pageLink(pageNumber + 1, "Next →") : null,
    ),
  );
}
