// One workout: summary, the video with bout markers to jump to, a timeline of bouts and a
// per-rep tempo chart. Sessions still in analysis show its progress.

import { api } from "../api";
import { followAnalysis } from "../analysis";
import { chartFigure } from "../charts";
import { clearFormErrors, errorBox, field, formError, h, loading, progressBar, replace, showFormErrors } from "../dom";
import { boutCount, exerciseLabel } from "../doubt";
import { clock, countUncertain, dateTime, exerciseName, exerciseUncertain, kcal, repCount, sessionTitle, STATUS_LABELS } from "../format";
import { PALETTE } from "../charts";
import { BASE, navigate, type PageContext } from "../router";
import { resultSummary } from "../summary";
import type { Bout, Exercise, SessionDetail } from "../types";
import { asApiError } from "./auth";

export async function sessionPage(main: HTMLElement, context: PageContext): Promise<void> {
  const id = Number(context.params.id);
  if (!Number.isInteger(id)) {
    main.append(h("h1", {}, "Workout not found"));
    return;
  }
  main.append(loading("the workout"));
  let session: SessionDetail;
  try {
    session = await api.get<SessionDetail>(`/api/v1/sessions/${id}/`);
  } catch (error) {
    replace(main, h("h1", {}, "Workout"), errorBox((error as Error).message, () => navigate(location.pathname, { replace: true })));
    return;
  }
  renderSession(main, session, context);
}

function renderSession(main: HTMLElement, session: SessionDetail, context: PageContext): void {
  const title = sessionTitle(session);
  const head = h(
    "div",
    { class: "page-head" },
    h("div", {}, h("h1", {}, title), h("p", { class: "muted" }, `${dateTime(session.started_at)} · `, h("span", { class: `badge status-${session.status}`, id: "session-status" }, STATUS_LABELS[session.status] ?? session.status))),
  );
  replace(main, head);

  if (session.status === "pending" || session.status === "processing" || session.status === "live") {
    const bar = progressBar("Analysis", "analysis-progress");
    bar.set(session.progress);
    main.append(bar.element);
    const stop = followAnalysis(
      session.id,
      (current) => {
        bar.set(current.progress);
        if (current.status === "done" || current.status === "failed") renderSession(main, current, context);
      },
      (error) => main.append(errorBox(error.message)),
    );
    context.onLeave(stop);
    main.append(editForm(session), actions(session, main, context));
    return;
  }
  if (session.status === "failed") {
    main.append(errorBox(`The analysis failed: ${session.error_message || session.error_code}`), editForm(session), actions(session, main, context));
    return;
  }

  const video = session.has_video
    ? h("video", { controls: true, preload: "auto", src: `/api/v1/sessions/${session.id}/video/`, id: "session-video", "aria-label": `Video of ${title}` })
    : null;
  main.append(
    resultSummary(session),
    h(
      "div",
      { class: "columns" },
      h(
        "section",
        { "aria-labelledby": "video-h" },
        h("h2", { id: "video-h" }, "Video"),
        video ??
          h(
            "p",
            { class: "muted" },
            session.source === "live"
              ? session.status === "done" || session.status === "failed"
                ? "No video is stored: the workout sent pose landmarks only, or the retention setting removed it. The results are kept."
                : "The video of a live workout is made when its analysis runs."
              : "The video is no longer stored (see the retention setting on your profile); the results are kept.",
          ),
        boutTimeline(session, video),
      ),
      h("section", { "aria-labelledby": "tempo-h" }, h("h2", { id: "tempo-h" }, "Tempo"), tempoChart(session, context)),
    ),
    boutTable(session, video, async () => {
      renderSession(main, await api.get<SessionDetail>(`/api/v1/sessions/${session.id}/`), context);
    }),
    editForm(session),
    actions(session, main, context),
  );
}

function seek(video: HTMLVideoElement | null, seconds: number): void {
  if (!video) return;
  video.currentTime = seconds;
  video.focus();
}

/** Bouts as segments along the video's length; each is a button that jumps there. */
function boutTimeline(session: SessionDetail, video: HTMLVideoElement | null): HTMLElement {
  const total = session.duration_s || Math.max(1, ...session.bouts.map((b) => b.end_s));
  if (session.bouts.length === 0) return h("p", { class: "muted" }, "No exercise bouts were found.");
  const colour = colourFor(session.bouts);
  return h(
    "div",
    { class: "timeline-wrap" },
    h("h3", { id: "timeline-h" }, "Timeline of bouts"),
    h(
      "ol",
      { class: "timeline", "aria-labelledby": "timeline-h", id: "bout-timeline" },
      session.bouts.map((bout) =>
        h(
          "li",
          { style: `left:${(bout.start_s / total) * 100}%;width:${Math.max(1, ((bout.end_s - bout.start_s) / total) * 100)}%` },
          h(
            "button",
            {
              type: "button",
              class: "bout-marker",
              style: `background:${colour(bout.exercise)}`,
              "data-start": bout.start_s,
              title: boutLabel(bout),
              "aria-label": `Jump to ${boutLabel(bout)}`,
              onclick: () => seek(video, bout.start_s),
            },
            h("span", { class: "visually-hidden" }, boutLabel(bout)),
          ),
        ),
      ),
    ),
    h("div", { class: "timeline-axis", "aria-hidden": "true" }, h("span", {}, "0:00"), h("span", {}, clock(total))),
  );
}

function boutLabel(bout: Bout): string {
  const uncertainCount = countUncertain(bout);
  const amount = bout.hold_s !== null ? `${clock(bout.hold_s)} held` : `${repCount(bout.reps, uncertainCount)} reps${uncertainCount ? " (please check the count)" : ""}`;
  const name = `${exerciseName(bout.exercise)}${exerciseUncertain(bout) ? " (not sure of the exercise)" : ""}`;
  return `${name}, ${clock(bout.start_s)}–${clock(bout.end_s)}, ${amount}`;
}

function colourFor(bouts: Bout[]): (exercise: string) => string {
  const names = [...new Set(bouts.map((b) => b.exercise))];
  return (exercise) => PALETTE[names.indexOf(exercise) % PALETTE.length];
}

function boutTable(session: SessionDetail, video: HTMLVideoElement | null, reload: () => Promise<void>): HTMLElement {
  return h(
    "section",
    { "aria-labelledby": "bouts-h", class: "spaced" },
    h("h2", { id: "bouts-h" }, "Bouts"),
    session.bouts.length === 0
      ? h("p", { class: "muted" }, "None.")
      : h(
          "table",
          { class: "list", id: "bout-table" },
          h("thead", {}, h("tr", {}, ["Exercise", "From", "To", "Reps", "Calories"].map((c) => h("th", { scope: "col" }, c)), h("th", { scope: "col", class: "wide-only" }, "Confidence"), h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Video and correction")))),
          h(
            "tbody",
            {},
            session.bouts.map((bout) =>
              h(
                "tr",
                { "data-exercise": bout.exercise },
                h("td", {}, exerciseLabel(bout)),
                h("td", {}, clock(bout.start_s)),
                h("td", {}, clock(bout.end_s)),
                h("td", { "data-reps": bout.reps }, bout.hold_s !== null ? `${clock(bout.hold_s)} held` : boutCount(bout)),
                h("td", {}, kcal(bout.kcal)),
                h("td", { class: "wide-only" }, `${Math.round(bout.confidence * 100)} %`),
                h(
                  "td",
                  {},
                  h(
                    "div",
                    { class: "bout-actions" },
                    video ? h("button", { type: "button", class: "secondary small", onclick: () => seek(video, bout.start_s), "aria-label": `Play from ${clock(bout.start_s)}` }, "Play") : null,
                    correctionButton(session, bout, reload),
                  ),
                ),
              ),
            ),
          ),
        ),
  );
}

/** "Not right? Change the exercise": a form under the bout's row that relabels it (built-in or
 * one of the user's own exercises), after which the server recounts it and the page reloads. */
function correctionButton(session: SessionDetail, bout: Bout, reload: () => Promise<void>): HTMLElement {
  const open = h("button", { type: "button", class: "link-button correct-bout", "data-correct-bout": bout.id, "aria-expanded": "false" }, "Not right? Change the exercise");
  open.addEventListener("click", async () => {
    const row = open.closest("tr")!;
    const existing = row.nextElementSibling;
    if (existing?.classList.contains("correction-row")) {
      existing.remove();
      open.setAttribute("aria-expanded", "false");
      return;
    }
    open.setAttribute("aria-expanded", "true");
    const cell = h("td", { colspan: row.children.length }, loading("the exercises"));
    row.after(h("tr", { class: "correction-row" }, cell));
    try {
      replace(cell, correctionForm(session, bout, await api.get<Exercise[]>("/api/v1/exercises/"), reload));
    } catch (error) {
      replace(cell, errorBox((error as Error).message));
    }
  });
  return open;
}

function correctionForm(session: SessionDetail, bout: Bout, catalogue: Exercise[], reload: () => Promise<void>): HTMLElement {
  const choices = catalogue.filter((e) => e.exercise !== bout.exercise);
  const option = (e: Exercise) => h("option", { value: e.exercise }, e.display_name);
  const select = h(
    "select",
    { name: "exercise", id: `correct-${bout.id}` },
    h("optgroup", { label: "My exercises" }, choices.filter((e) => e.custom).map(option)),
    h("optgroup", { label: "Built-in" }, choices.filter((e) => !e.custom).map(option)),
  );
  const keep = h("input", { type: "checkbox", name: "keep_as_example", checked: true, id: `keep-${bout.id}` });
  const form = h(
    "form",
    { class: "inline-form", novalidate: true, id: `correction-${bout.id}` },
    formError(),
    field("The exercise is", select),
    h("label", { for: keep.id, class: "check" }, keep, "Keep this bout as an example of my exercise"),
    h("button", { type: "submit" }, "Change"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearFormErrors(form);
    try {
      await api.patch(`/api/v1/sessions/${session.id}/bouts/${bout.id}/`, { exercise: select.value, keep_as_example: keep.checked });
      await reload();
    } catch (error) {
      showFormErrors(form, asApiError(error));
    }
  });
  return form;
}

/** Seconds per repetition, in order: a flat line is an even tempo, rising bars are fatigue. */
function tempoChart(session: SessionDetail, context: PageContext): HTMLElement {
  const reps = session.bouts.flatMap((bout) => bout.rep_times_s.map(([start, end]) => ({ bout, start, end })));
  if (reps.length === 0) return h("p", { class: "muted" }, "No repetitions to time.");
  const exercises = [...new Set(reps.map((r) => r.bout.exercise))];
  const chart = chartFigure({
    id: "tempo-chart",
    title: "Seconds per repetition",
    type: "bar",
    labels: reps.map((r, i) => `#${i + 1} at ${clock(r.start)}`),
    // One series per exercise so the legend says which bar is which.
    series: exercises.map((exercise) => ({
      label: exerciseName(exercise),
      values: reps.map((r) => (r.bout.exercise === exercise ? Math.round((r.end - r.start) * 100) / 100 : null)),
    })),
    stacked: true,
    yTitle: "seconds",
  });
  context.onLeave(chart.destroy);
  return chart.element;
}

function editForm(session: SessionDetail): HTMLElement {
  const status = h("p", { class: "saved", role: "status" });
  const form = h(
    "form",
    { class: "card", novalidate: true, id: "session-edit" },
    h("h2", {}, "Title and notes"),
    formError(),
    field("Title", h("input", { name: "title", type: "text", maxlength: 200, value: session.title })),
    field("Notes", h("textarea", { name: "notes", rows: 3, maxlength: 5000 }, session.notes)),
    h("button", { type: "submit" }, "Save"),
    status,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearFormErrors(form);
    const data = new FormData(form);
    try {
      const saved = await api.patch<SessionDetail>(`/api/v1/sessions/${session.id}/`, { title: String(data.get("title")), notes: String(data.get("notes")) });
      document.querySelector("main h1")!.textContent = sessionTitle(saved);
      status.textContent = "Saved.";
    } catch (error) {
      showFormErrors(form, asApiError(error));
    }
  });
  return form;
}

function actions(session: SessionDetail, main: HTMLElement, context: PageContext): HTMLElement {
  const message = h("p", { role: "status" });
  const reanalyse = h("button", { type: "button", class: "secondary" }, "Analyse again");
  reanalyse.addEventListener("click", async () => {
    reanalyse.disabled = true;
    try {
      const queued = await api.post<SessionDetail>(`/api/v1/sessions/${session.id}/reanalyse/`);
      renderSession(main, { ...session, ...queued }, context);
    } catch (error) {
      message.textContent = (error as Error).message;
      reanalyse.disabled = false;
    }
  });
  const remove = h("button", { type: "button", class: "danger" }, "Delete workout");
  remove.addEventListener("click", async () => {
    if (!confirm("Delete this workout and its video? This cannot be undone.")) return;
    remove.disabled = true;
    try {
      await api.delete(`/api/v1/sessions/${session.id}/`);
      navigate(`${BASE}/sessions`);
    } catch (error) {
      message.textContent = (error as Error).message;
      remove.disabled = false;
    }
  });
  const canReanalyse = session.has_video && (session.status === "done" || session.status === "failed");
  return h("div", { class: "actions" }, canReanalyse ? reanalyse : null, remove, message);
}
