// The REST API client: the same public /api/v1/ surface the mobile apps use, with the
// browser's session cookie and Django's CSRF token instead of JWTs.

export interface FieldError {
  code: string;
  detail: string;
  attr: string | null;
}

/** An error answer in the API's one shape ({type, errors}), or a network failure. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errors: FieldError[],
  ) {
    super(errors.map((e) => e.detail).join(" ") || `Request failed (${status}).`);
  }

  /** Errors about one field, for showing next to its input. */
  forField(attr: string): string[] {
    return this.errors.filter((e) => e.attr === attr).map((e) => e.detail);
  }

  /** Errors not about any field the form shows. */
  general(knownFields: string[]): string[] {
    return this.errors
      .filter((e) => e.attr === null || !knownFields.includes(e.attr))
      .map((e) => e.detail);
  }
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function cookie(name: string): string | null {
  const match = document.cookie.split("; ").find((c) => c.startsWith(`${name}=`));
  return match ? decodeURIComponent(match.slice(name.length + 1)) : null;
}

/** The CSRF token, asking the server for one when the cookie is missing. Read fresh each
 * time because Django rotates it on log-in. */
export async function csrfToken(): Promise<string> {
  const existing = cookie("csrftoken");
  if (existing) return existing;
  const response = await fetch("/api/v1/auth/csrf/", { credentials: "same-origin" });
  const body = (await response.json()) as { csrf_token: string };
  return body.csrf_token;
}

export async function errorFrom(status: number, bodyText: string): Promise<ApiError> {
  try {
    const body = JSON.parse(bodyText) as { errors?: FieldError[] };
    if (Array.isArray(body.errors)) return new ApiError(status, body.errors);
  } catch {
    // Not JSON (a proxy's error page, say): fall through to a generic message.
  }
  return new ApiError(status, [
    { code: "http_error", detail: `The server answered ${status}.`, attr: null },
  ]);
}

/** Called when a request answers 401/403 for lack of a session (e.g. it expired). */
let onUnauthenticated: () => void = () => {};
export function setUnauthenticatedHandler(handler: () => void): void {
  onUnauthenticated = handler;
}

export async function request<T>(
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  // A FormData body is sent as multipart (a file); the browser writes its Content-Type.
  const isForm = body instanceof FormData;
  if (body !== undefined && !isForm) headers["Content-Type"] = "application/json";
  if (!SAFE_METHODS.has(method)) headers["X-CSRFToken"] = await csrfToken();
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : isForm ? body : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, [
      { code: "network_error", detail: "Cannot reach the server. Check your connection.", attr: null },
    ]);
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  if (!response.ok) {
    const error = await errorFrom(response.status, text);
    if (response.status === 401 || error.errors.some((e) => e.code === "not_authenticated")) {
      onUnauthenticated();
    }
    throw error;
  }
  return JSON.parse(text) as T;
}

export const api = {
  get: <T>(path: string) => request<T>("GET", path),
  post: <T>(path: string, body?: unknown) => request<T>("POST", path, body ?? {}),
  patch: <T>(path: string, body: unknown) => request<T>("PATCH", path, body),
  delete: (path: string) => request<void>("DELETE", path),
};

