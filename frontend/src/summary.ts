// The result of an analysed session at a glance: used on the upload and session pages.

import { countLabel } from "./doubt";
import { h, statItem } from "./dom";
import { clock, countUncertain, exerciseName, kcal, minutes } from "./format";
import type { SessionDetail } from "./types";

export function resultSummary(session: SessionDetail): HTMLElement {
  const reps = Object.entries(session.reps_by_exercise);
  // A total is "about" as soon as one of the bouts it adds up is.
  const doubted = new Set(session.bouts.filter(countUncertain).map((b) => b.exercise));
  const plank = session.bouts.filter((b) => b.hold_s !== null).reduce((sum, b) => sum + (b.hold_s ?? 0), 0);
  return h(
    "div",
    { class: "summary", "data-testid": "result-summary" },
    h(
      "dl",
      { class: "stats-grid" },
      statItem("Calories", kcal(session.total_kcal), "total-kcal"),
      statItem("Active time", minutes(session.active_s), "active-time"),
      statItem("Repetitions", countLabel(session.total_reps ?? 0, doubted.size > 0), "total-reps"),
      statItem("Video length", clock(session.duration_s), "duration"),
    ),
    reps.length || plank
      ? h(
          "ul",
          { class: "reps-by-exercise", "aria-label": "Repetitions per exercise" },
          reps.map(([exercise, count]) => h("li", { "data-exercise": exercise }, h("strong", {}, exerciseName(exercise)), " ", countLabel(count, doubted.has(exercise), " reps"))),
          plank ? h("li", { "data-exercise": "plank" }, h("strong", {}, "Plank"), ` ${clock(plank)} held`) : null,
        )
      : h("p", { class: "muted" }, "No exercise was recognised in this video."),
  );
}
