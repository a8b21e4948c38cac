// Shapes of the API's answers that the dashboard reads (see /api/schema/).

export interface Profile {
  id: number;
  email: string;
  display_name: string;
  sex: "female" | "male" | "unspecified";
  birth_date: string | null;
  age: number | null;
  height_cm: number | null;
  units: "metric" | "imperial";
  weight_kg: number | null;
  video_retention_days: number | null;
  date_joined: string;
}

export interface WeightEntry {
  id: number;
  weight_kg: number;
  measured_at: string;
}

export interface Page<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

export type SessionStatus = "pending" | "processing" | "done" | "failed" | "live";

export interface Session {
  id: number;
  title: string;
  notes: string;
  source: string;
  started_at: string;
  status: SessionStatus;
  progress: number;
  error_code: string;
  error_message: string;
  duration_s: number | null;
  total_kcal: number | null;
  active_s: number | null;
  total_reps: number | null;
  has_video: boolean;
  thumbnail_url: string | null;
  model_version: string;
  created_at: string;
  analysed_at: string | null;
}

export interface Bout {
  /** What a correction names (PATCH /api/v1/sessions/{id}/bouts/{bout_id}/). */
  id: number;
  exercise: string;
  start_s: number;
  end_s: number;
  reps: number;
  rep_times_s: [number, number][];
  hold_s: number | null;
  met: number;
  kcal: number;
  /** How likely the exercise is right, 0-1 (calibrated). */
  confidence: number;
  /** How likely the repetition count is exactly right, 0-1; null for holds and for analyses that give none. */
  count_confidence: number | null;
}

export interface SessionDetail extends Session {
  reps_by_exercise: Record<string, number>;
  body_metrics: Record<string, unknown> | null;
  bouts: Bout[];
}

export interface Bucket {
  start: string;
  sessions: number;
  active_minutes: number;
  kcal: number;
  reps: Record<string, number>;
}

export interface Timeline {
  period: "day" | "week" | "month";
  tz: string;
  start: string;
  end: string;
  buckets: Bucket[];
}

export interface Records {
  most_reps: { exercise: string; reps: number; session_id: number }[];
  longest_plank: { exercise: string; hold_s: number; session_id: number; achieved_at: string } | null;
}

export interface Streaks {
  tz: string;
  current_days: number;
  longest_days: number;
  longest_start: string | null;
  longest_end: string | null;
  last_workout_day: string | null;
}

/** One exercise of the catalogue: built-in, or one of the user's own (`custom`). */
export interface Exercise {
  exercise: string;
  display_name: string;
  measure: "reps" | "hold";
  met: number;
  compendium_code: string;
  compendium_activity: string;
  custom: boolean;
}

export interface Training {
  status: "untrained" | "training" | "ready" | "failed";
  failure_reason: string;
  accuracy: number | null;
  examples_used: number;
  exercises: string[];
  trained_at: string | null;
}

export interface CustomExercise {
  exercise: string;
  display_name: string;
  measure: "reps" | "hold";
  met: number;
  compendium_code: string;
  examples_count: number;
  examples_ready: number;
  training: Training;
  created_at: string;
}

export interface Example {
  id: number;
  exercise: string;
  source: "session" | "bout" | "correction" | "video";
  session: number | null;
  start_s: number;
  end_s: number;
  status: "pending" | "ready" | "failed";
  error_message: string;
  video_url: string | null;
  created_at: string;
}
