// Calendar periods for the statistics charts. The API lists only periods with workouts;
// charts need every period in the range, empty ones as zero.

import type { Bucket, Timeline } from "./types";

function parse(isoDate: string): Date {
  const [y, m, d] = isoDate.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d)); // UTC arithmetic: no DST days of 23 or 25 hours
}

function format(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function periodStarts(timeline: Timeline): string[] {
  const starts: string[] = [];
  const end = parse(timeline.end);
  for (let day = parse(timeline.start); day <= end; ) {
    starts.push(format(day));
    if (timeline.period === "month") day = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth() + 1, 1));
    else day = new Date(day.getTime() + (timeline.period === "week" ? 7 : 1) * 86_400_000);
  }
  return starts;
}

export function periodLabel(start: string, period: Timeline["period"]): string {
  const date = parse(start);
  if (period === "month") return date.toLocaleDateString(undefined, { month: "short", year: "numeric", timeZone: "UTC" });
  const day = date.toLocaleDateString(undefined, { day: "numeric", month: "short", timeZone: "UTC" });
  return period === "week" ? `Week of ${day}` : day;
}

/** Every period of the range with its bucket, or an empty one. */
export function filledBuckets(timeline: Timeline): Bucket[] {
  const byStart = new Map(timeline.buckets.map((b) => [b.start, b]));
  return periodStarts(timeline).map(
    (start) => byStart.get(start) ?? { start, sessions: 0, active_minutes: 0, kcal: 0, reps: {} },
  );
}
