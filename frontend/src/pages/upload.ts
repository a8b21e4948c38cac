// Upload a workout video: a progress bar for the upload itself, then one for the analysis,
// then the result.

import { ApiError } from "../api";
import { followAnalysis } from "../analysis";
import { clearFormErrors, errorBox, field, formError, h, progressBar, replace, showFormErrors } from "../dom";
import { BASE, type PageContext } from "../router";
import { uploadResumable } from "../resumable";
import { resultSummary } from "../summary";
import type { SessionDetail } from "../types";
import { asApiError } from "./auth";

export function uploadPage(main: HTMLElement, context: PageContext): void {
  const fileInput = h("input", { name: "video", type: "file", accept: "video/*", required: true });
  const submit = h("button", { type: "submit" }, "Upload and analyse");
  const form = h(
    "form",
    { class: "card", novalidate: true, id: "upload-form" },
    formError(),
    field("Workout video", fileInput, "MP4, MOV, WebM… Filmed from the side works best."),
    field("Title (optional)", h("input", { name: "title", type: "text", maxlength: 200 })),
    field("Started at (optional)", h("input", { name: "started_at", type: "datetime-local" }), "When you did the workout; now if left empty."),
    submit,
  );
  const progressSlot = h("section", { "aria-live": "polite", id: "upload-status" });
  main.append(h("h1", {}, "Upload a workout"), form, progressSlot);

  let abortUpload: (() => void) | null = null;
  let stopFollowing: (() => void) | null = null;
  context.onLeave(() => {
    abortUpload?.();
    stopFollowing?.();
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearFormErrors(form);
    const file = fileInput.files?.[0];
    if (!file) {
      showFormErrors(form, new ApiError(400, [{ code: "required", detail: "Choose a video file.", attr: "video" }]));
      return;
    }
    const data = new FormData(form);
    const metadata: Record<string, string> = {};
    if (String(data.get("title")).trim()) metadata.title = String(data.get("title")).trim();
    const startedAt = String(data.get("started_at") ?? "");
    if (startedAt) metadata.started_at = new Date(startedAt).toISOString();

    const upload = progressBar("Upload", "upload-progress");
    const cancel = h("button", { type: "button", class: "secondary" }, "Cancel upload");
    replace(progressSlot, h("h2", {}, `Uploading ${file.name}`), upload.element, cancel);
    submit.disabled = true;
    // Resumable: a dropped connection is retried, and choosing the same file again after a
    // reload carries on where the last attempt stopped.
    const request = uploadResumable<SessionDetail>(file, metadata, upload.set);
    abortUpload = request.abort;
    cancel.addEventListener("click", request.abort);
    let session: SessionDetail;
    try {
      session = await request.promise;
    } catch (error) {
      submit.disabled = false;
      replace(progressSlot);
      showFormErrors(form, asApiError(error));
      return;
    } finally {
      abortUpload = null;
    }
    upload.set(1);
    cancel.remove();
    const analysis = progressBar("Analysis", "analysis-progress");
    const state = h("p", { class: "muted", id: "analysis-state" }, "Waiting for a worker…");
    progressSlot.append(analysis.element, state);
    stopFollowing = followAnalysis(
      session.id,
      (current) => {
        analysis.set(current.status === "done" ? 1 : current.progress);
        if (current.status === "pending") state.textContent = "Waiting for a worker…";
        if (current.status === "processing") state.textContent = "Analysing the video…";
        if (current.status === "failed") {
          state.replaceWith(errorBox(`The analysis failed: ${current.error_message || current.error_code}`));
          submit.disabled = false;
        }
        if (current.status === "done") {
          state.textContent = "Done.";
          progressSlot.append(
            h("h2", {}, "Result"),
            resultSummary(current),
            h("p", {}, h("a", { href: `${BASE}/sessions/${current.id}`, class: "button" }, "See the workout in detail")),
          );
          submit.disabled = false;
          form.reset();
        }
      },
      (error) => progressSlot.append(errorBox(`Lost track of the analysis: ${error.message}`)),
    );
  });
}
