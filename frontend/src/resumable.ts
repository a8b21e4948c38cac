// Resumable video uploads through the API's tus endpoint (POST /api/v1/uploads/): a large
// phone video survives a dropped connection, and after a reload the same file carries on
// where it stopped. tus-js-client speaks the protocol; this adds the API's `complete`
// step, which turns the finished upload into a workout session.

import { DetailedError, Upload } from "tus-js-client";
import { ApiError, csrfToken, errorFrom } from "./api";

const ENDPOINT = "/api/v1/uploads/";
const TUS_VERSION = "1.0.0";
const CHUNK_BYTES = 8 * 1024 * 1024; // one PATCH each; a dropped one costs at most this
const RETRY_DELAYS_MS = [0, 1000, 3000, 5000, 10000, 20000];

export interface ResumableUpload<T> {
  promise: Promise<T>;
  abort: () => void;
}

async function apiErrorOf(error: Error | DetailedError): Promise<ApiError> {
  const response = error instanceof DetailedError ? error.originalResponse : null;
  if (response) return errorFrom(response.getStatus(), response.getBody());
  return new ApiError(0, [{ code: "network_error", detail: "The upload was interrupted. Try again: it resumes where it stopped.", attr: null }]);
}

/** Retry what a retry can fix (the network, the server busy or restarting), not a refusal. */
function worthRetrying(error: DetailedError): boolean {
  const status = error.originalResponse?.getStatus() ?? 0;
  return status === 0 || status === 409 || status === 423 || status === 429 || status >= 500;
}

async function complete<T>(uploadUrl: string, token: string): Promise<T> {
  const response = await fetch(`${new URL(uploadUrl, location.href).pathname}complete/`, {
    method: "POST",
    credentials: "same-origin",
    headers: { Accept: "application/json", "Tus-Resumable": TUS_VERSION, "X-CSRFToken": token },
  });
  const text = await response.text();
  if (!response.ok) throw await errorFrom(response.status, text);
  return JSON.parse(text) as T;
}

/** Uploads `file` (resuming an earlier attempt at the same file) and completes it into a
 * session. `metadata` goes in Upload-Metadata (title, started_at...). */
export function uploadResumable<T>(
  file: File,
  metadata: Record<string, string>,
  onProgress: (fraction: number) => void,
): ResumableUpload<T> {
  let upload: Upload | null = null;
  let aborted = false;
  let rejectAbort: (error: ApiError) => void = () => {};
  const promise = (async () => {
    const token = await csrfToken();
    const uploadUrl = await new Promise<string>((resolve, reject) => {
      rejectAbort = reject;
      upload = new Upload(file, {
        endpoint: ENDPOINT,
        chunkSize: CHUNK_BYTES,
        retryDelays: RETRY_DELAYS_MS,
        metadata: { filename: file.name, ...metadata },
        headers: { "X-CSRFToken": token },
        removeFingerprintOnSuccess: true,
        onShouldRetry: (error) => worthRetrying(error),
        onProgress: (sent, total) => onProgress(total ? sent / total : 0),
        onSuccess: () => resolve(upload!.url!),
        onError: (error) => void apiErrorOf(error).then(reject),
      });
      void upload.findPreviousUploads().then((previous) => {
        if (aborted) return;
        if (previous.length) upload!.resumeFromPreviousUpload(previous[0]);
        upload!.start();
      });
    });
    try {
      return await complete<T>(uploadUrl, token);
    } catch (error) {
      // Refused (not a video, too long...): the bytes are of no further use on the server.
      if (error instanceof ApiError && error.status >= 400 && error.status < 500) {
        void Upload.terminate(uploadUrl, { headers: { "X-CSRFToken": token } }).catch(() => {});
      }
      throw error;
    }
  })();
  return {
    promise,
    abort: () => {
      aborted = true;
      void upload?.abort(true).catch(() => {}); // true: the server forgets the partial file too
      rejectAbort(new ApiError(0, [{ code: "aborted", detail: "Upload cancelled.", attr: null }]));
    },
  };
}
