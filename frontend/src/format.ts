// Display formatting. The API speaks SI units; `units` on the profile is only how to show them.

import type { Profile } from "./types";

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
