// Following a session through analysis: poll GET /api/v1/sessions/{id}/ until it is done or
// failed. Shared by the upload page and the session page.

import { api } from "./api";
import type { SessionDetail } from "./types";

const POLL_MS = 1000;

/** Calls onUpdate with each answer until the session settles; returns a cancel function. */
export function followAnalysis(
  sessionId: number,
  onUpdate: (session: SessionDetail) => void,
  onError: (error: Error) => void,
): () => void {
  let timer: number | undefined;
  let stopped = false;
  let failures = 0;
  const poll = async () => {
    try {
      const session = await api.get<SessionDetail>(`/api/v1/sessions/${sessionId}/`);
      failures = 0;
      if (stopped) return;
      onUpdate(session);
      if (session.status === "done" || session.status === "failed") return;
    } catch (error) {
      // A blip (server restart, flaky network) should not end the wait; a run of them does.
      if (++failures >= 5) {
        onError(error as Error);
        return;
      }
    }
    if (!stopped) timer = window.setTimeout(poll, POLL_MS);
  };
  void poll();
  return () => {
    stopped = true;
    window.clearTimeout(timer);
  };
}
