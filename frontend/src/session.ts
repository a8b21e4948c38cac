// Who is logged in, as the API says (GET /api/v1/me/). The session cookie is the credential.

import { api, ApiError } from "./api";
import type { Profile } from "./types";

let current: Profile | null = null;
const listeners: ((p: Profile | null) => void)[] = [];

export function currentUser(): Profile | null {
  return current;
}

export function setCurrentUser(profile: Profile | null): void {
  current = profile;
  listeners.forEach((listener) => listener(profile));
}

export function onUserChange(listener: (p: Profile | null) => void): void {
  listeners.push(listener);
}

/** Ask the server; a 401/403 simply means nobody is logged in. */
export async function loadCurrentUser(): Promise<Profile | null> {
  try {
    setCurrentUser(await api.get<Profile>("/api/v1/me/"));
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) setCurrentUser(null);
    else throw error;
  }
  return current;
}

export async function logIn(email: string, password: string): Promise<Profile> {
  const profile = await api.post<Profile>("/api/v1/auth/login/", { email, password });
  setCurrentUser(profile);
  return profile;
}

export async function logOut(): Promise<void> {
  await api.post("/api/v1/auth/logout/", {});
  setCurrentUser(null);
}
