// Display formatting. The API speaks SI units; `units` on the profile is only how to show them.

import type { Bout, Profile } from "./types";

const KG_PER_LB = 0.45359237;

export function weightUnit(profile: Profile | null): "kg" | "lb" {
  return profile?.units === "imperial" ? "lb" : "kg";
}

export function kgToDisplay(kg: number, profile: Profile | null): number {
  return weightUnit(profile) === "lb" ? kg / KG_PER_LB : kg;
}

export function displayToKg(value: number, profile: Profile | null): number {
  return weightUnit(profile) === "lb" ? value * KG_PER_LB : value;
}

export function formatWeight(kg: number | null, profile: Profile | null): string {
  if (kg === null) return "—";
  return `${kgToDisplay(kg, profile).toFixed(1)} ${weightUnit(profile)}`;
}

/** 75 -> "1:15", 3725 -> "1:02:05" */
export function clock(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return "—";
  const s = Math.max(0, Math.floor(seconds)); // as video players show time
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return hh ? `${hh}:${String(mm).padStart(2, "0")}:${ss}` : `${mm}:${ss}`;
}

export function minutes(seconds: number | null): string {
  if (seconds === null) return "—";
  if (seconds < 60) return `${Math.round(seconds)} s`;
  return `${(seconds / 60).toFixed(seconds < 600 ? 1 : 0)} min`;
}

export function kcal(value: number | null): string {
  return value === null ? "—" : `${value.toFixed(value < 10 ? 1 : 0)} kcal`;
}

export function dateTime(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export function dateOnly(isoDate: string): string {
  // A local calendar date from the API ("2024-06-10"): not a moment, so no time-zone shift.
  const [y, m, d] = isoDate.split("-").map(Number);
  return new Date(y, m - 1, d).toLocaleDateString(undefined, { dateStyle: "medium" });
}

/** "bicep_curl" -> "Bicep curl" */
export function exerciseName(slug: string | null): string {
  if (!slug) return "—";
  const words = slug.replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

// The engine's confidences are calibrated (of bouts at 0.8, about 8 in 10 are right), so
// below one half it is more likely wrong than right: the dashboard says so.
/** Below this `confidence`, the exercise name gets a "?". */
export const UNSURE_EXERCISE_BELOW = 0.5;
/** Below this `count_confidence`, the count reads "about N" with a note to check it. */
export const UNSURE_COUNT_BELOW = 0.5;
export const UNSURE_EXERCISE_TEXT = "Not sure this is the exercise";
export const UNSURE_COUNT_TEXT = "The count may be off: please check";

export function exerciseUncertain(bout: Pick<Bout, "confidence">): boolean {
  return bout.confidence < UNSURE_EXERCISE_BELOW;
}

/** Holds and analyses without a count confidence are not doubted. */
export function countUncertain(bout: Pick<Bout, "count_confidence">): boolean {
  return typeof bout.count_confidence === "number" && bout.count_confidence < UNSURE_COUNT_BELOW;
}

/** 12 -> "12", or "about 12" when the count is uncertain. */
export function repCount(reps: number, uncertain: boolean): string {
  return uncertain ? `about ${reps}` : String(reps);
}

export const STATUS_LABELS: Record<string, string> = {
  pending: "Waiting for analysis",
  processing: "Being analysed",
  done: "Analysed",
  failed: "Failed",
  live: "Live",
};

export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

export function sessionTitle(session: { title: string; source: string }): string {
  return session.title || (session.source === "live" ? "Live workout" : "Untitled workout");
}
