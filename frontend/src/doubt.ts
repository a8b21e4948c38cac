// Markers for what the analysis is not sure of: a "?" after an exercise name, "about N" and
// a "check" note on a repetition count. The thresholds are in format.ts.

import { h } from "./dom";
import { countUncertain, exerciseName, exerciseUncertain, repCount, UNSURE_COUNT_TEXT, UNSURE_EXERCISE_TEXT } from "./format";
import type { Bout } from "./types";

/** A small flag: `shown` to the eye, the whole `explanation` as tooltip and to screen readers. */
function flag(shown: string, explanation: string, kind: string): HTMLElement {
  return h(
    "span",
    { class: "doubt", title: explanation, "data-doubt": kind },
    h("span", { "aria-hidden": "true" }, shown),
    h("span", { class: "visually-hidden" }, ` (${explanation})`),
  );
}

/** "Squat", or "Squat ?" when the exercise may be another one. */
export function exerciseLabel(bout: Pick<Bout, "exercise" | "confidence">): HTMLElement {
  const name = exerciseName(bout.exercise);
  return exerciseUncertain(bout) ? h("span", { class: "doubted", title: UNSURE_EXERCISE_TEXT }, name, " ", flag("?", UNSURE_EXERCISE_TEXT, "exercise")) : h("span", {}, name);
}

/** "12", or "about 12 check" when the count may be off; `unit` follows the number. */
export function countLabel(reps: number, uncertain: boolean, unit = ""): HTMLElement {
  const text = repCount(reps, uncertain) + unit;
  return uncertain ? h("span", { class: "doubted", title: UNSURE_COUNT_TEXT }, h("span", { class: "nowrap" }, text), " ", flag("check", UNSURE_COUNT_TEXT, "count")) : h("span", {}, text);
}

/** A bout's repetitions as countLabel shows them. */
export function boutCount(bout: Pick<Bout, "reps" | "count_confidence">): HTMLElement {
  return countLabel(bout.reps, countUncertain(bout));
}
