// "My exercises": the user's own exercises, each with its examples (a thumbnail and a play
// button), the training state of their model and its estimated accuracy; forms to create an
// exercise and to add an example from a workout or a video.

import { api } from "../api";
import { clearFormErrors, emptyState, errorBox, field, formError, h, loading, replace, showFormErrors } from "../dom";
import { clock, dateTime } from "../format";
import { BASE, type PageContext } from "../router";
import type { CustomExercise, Example, Exercise, Page, Training } from "../types";
import { asApiError } from "./auth";

const POLL_MS = 2000;

export async function exercisesPage(main: HTMLElement, context: PageContext): Promise<void> {
  main.append(h("h1", {}, "My exercises"), loading("your exercises"));
  let timer: number | undefined;
  context.onLeave(() => window.clearTimeout(timer));

  const refresh = async (): Promise<void> => {
    window.clearTimeout(timer);
    let own: CustomExercise[];
    try {
      const catalogue = await api.get<Exercise[]>("/api/v1/exercises/");
      own = await Promise.all(
        catalogue.filter((e) => e.custom).map((e) => api.get<CustomExercise>(`/api/v1/exercises/${e.exercise}/`)),
      );
    } catch (error) {
      replace(main, h("h1", {}, "My exercises"), errorBox((error as Error).message, () => void refresh()));
      return;
    }
    const examples = await Promise.all(own.map((e) => api.get<Page<Example>>(`/api/v1/exercises/${e.exercise}/examples/?page_size=200`)));
    replace(
      main,
      h("h1", {}, "My exercises"),
      h("p", { class: "muted" }, "Teach coach a movement it does not know: give it a name, then show it a few examples (stretches of your workouts, or a short video). One example is a start; three make it reliable. Correcting a bout on a workout page teaches it too."),
      own.length ? trainingState(own[0].training) : null,
      createForm(refresh),
      own.length === 0
        ? emptyState("You have no exercises of your own yet.")
        : h("div", { id: "my-exercises" }, own.map((exercise, i) => exerciseCard(exercise, examples[i].results, refresh))),
    );
    // While a worker trains or prepares examples, look again shortly.
    const busy = own.some((e) => e.training.status === "training") || examples.some((page) => page.results.some((x) => x.status === "pending"));
    if (busy) timer = window.setTimeout(() => void refresh(), POLL_MS);
  };
  await refresh();
}

function trainingState(training: Training): HTMLElement {
  const text: Record<Training["status"], string> = {
    untrained: "Not trained yet: add an example.",
    training: "Training…",
    ready: "Ready",
    failed: `Training failed: ${training.failure_reason}`,
  };
  const accuracy = training.accuracy === null ? "not enough examples to estimate (two per exercise are needed)" : `${Math.round(training.accuracy * 100)} %`;
  return h(
    "section",
    { class: "card", id: "training-state", "aria-live": "polite" },
    h("h2", {}, "Your model"),
    h("p", {}, h("span", { class: `badge training-${training.status}`, id: "training-status" }, text[training.status])),
    training.status === "ready" || training.trained_at ? h("p", {}, `Estimated accuracy: ${accuracy}. Learned from ${training.examples_used} examples.`) : null,
  );
}

function createForm(refresh: () => Promise<void>): HTMLElement {
  const form = h(
    "form",
    { class: "card", novalidate: true, id: "exercise-create" },
    h("h2", {}, "New exercise"),
    formError(),
    field("Name", h("input", { name: "name", type: "text", maxlength: 80, required: true })),
    field(
      "Measured in",
      h("select", { name: "measure" }, h("option", { value: "reps" }, "Repetitions"), h("option", { value: "hold" }, "Time held (like a plank)")),
    ),
    field("MET (optional)", h("input", { name: "met", type: "number", min: 1, max: 25, step: 0.1 }), "How hard it is; coach picks a value for the kind if left empty."),
    h("button", { type: "submit" }, "Create"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearFormErrors(form);
    const data = new FormData(form);
    const body: Record<string, unknown> = { name: String(data.get("name")), measure: String(data.get("measure")) };
    if (String(data.get("met") ?? "").trim()) body.met = Number(data.get("met"));
    try {
      await api.post("/api/v1/exercises/", body);
      await refresh();
    } catch (error) {
      showFormErrors(form, asApiError(error));
    }
  });
  return form;
}

function exerciseCard(exercise: CustomExercise, examples: Example[], refresh: () => Promise<void>): HTMLElement {
  const remove = h("button", { type: "button", class: "danger small" }, "Delete exercise");
  remove.addEventListener("click", async () => {
    if (!confirm(`Delete “${exercise.display_name}”? Its bouts become “unknown”; their repetitions stay.`)) return;
    await api.delete(`/api/v1/exercises/${exercise.exercise}/`);
    await refresh();
  });
  return h(
    "section",
    { class: "card spaced", "data-exercise": exercise.exercise, "aria-labelledby": `ex-${exercise.exercise}` },
    h("h2", { id: `ex-${exercise.exercise}` }, exercise.display_name),
    h("p", { class: "muted" }, `${exercise.measure === "hold" ? "Held" : "Counted in repetitions"} · MET ${exercise.met} · ${exercise.examples_ready} of ${exercise.examples_count} examples ready`),
    examples.length === 0
      ? h("p", { class: "muted" }, "No examples yet.")
      : h("ul", { class: "examples" }, examples.map((example) => exampleItem(exercise, example, refresh))),
    exampleForm(exercise, refresh),
    remove,
  );
}

function exampleItem(exercise: CustomExercise, example: Example, refresh: () => Promise<void>): HTMLElement {
  // The thumbnail is the video at the example's first frame (a media fragment), so no
  // image is made on the server; the play button plays just the stretch.
  const thumbnail = example.video_url
    ? h("video", { class: "thumbnail", preload: "metadata", muted: true, playsinline: true, src: example.video_url, "aria-label": `Example from ${clock(example.start_s)} to ${clock(example.end_s)}` })
    : h("div", { class: "thumbnail muted" }, "No video");
  const play = h("button", { type: "button", class: "secondary small", disabled: !example.video_url }, "Play");
  play.addEventListener("click", () => {
    if (thumbnail instanceof HTMLVideoElement) {
      thumbnail.controls = true;
      void thumbnail.play();
    }
  });
  const remove = h("button", { type: "button", class: "link-button" }, "Remove");
  remove.addEventListener("click", async () => {
    await api.delete(`/api/v1/exercises/${exercise.exercise}/examples/${example.id}/`);
    await refresh();
  });
  const where = example.session ? h("a", { href: `${BASE}/sessions/${example.session}` }, "workout") : "video";
  return h(
    "li",
    { class: "example", "data-status": example.status },
    thumbnail,
    h(
      "div",
      {},
      h("p", {}, `${clock(example.start_s)}–${clock(example.end_s)} of a `, where, ` · ${dateTime(example.created_at)}`),
      h("p", { class: example.status === "failed" ? "error" : "muted" }, example.status === "failed" ? example.error_message : example.status === "pending" ? "Being prepared…" : "Ready"),
      h("p", {}, play, " ", remove),
    ),
  );
}

function exampleForm(exercise: CustomExercise, refresh: () => Promise<void>): HTMLElement {
  const suffix = exercise.exercise;
  const form = h(
    "form",
    { class: "inline-form", novalidate: true, "data-example-form": suffix },
    h("h3", {}, "Add an example"),
    formError(),
    field("Workout number", h("input", { name: "session", type: "number", min: 1, id: `session-${suffix}` }), "From the workout's address (…/sessions/12)."),
    field("From (seconds)", h("input", { name: "start_s", type: "number", min: 0, step: 0.1, id: `start-${suffix}` })),
    field("To (seconds)", h("input", { name: "end_s", type: "number", min: 0, step: 0.1, id: `end-${suffix}` })),
    field("…or a short video", h("input", { name: "video", type: "file", accept: "video/*", id: `video-${suffix}` })),
    h("button", { type: "submit", class: "secondary" }, "Add example"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearFormErrors(form);
    const data = new FormData(form);
    const file = data.get("video");
    try {
      let body: unknown;
      if (file instanceof File && file.size > 0) {
        body = new FormData();
        (body as FormData).append("video", file);
      } else {
        body = { session: Number(data.get("session")), start_s: Number(data.get("start_s")), end_s: Number(data.get("end_s")) };
      }
      await api.post(`/api/v1/exercises/${exercise.exercise}/examples/`, body);
      await refresh();
    } catch (error) {
      showFormErrors(form, asApiError(error));
    }
  });
  return form;
}
