// The signed-in staff member: token and user kept in localStorage, and API calls made with that token.
import { ApiError, request } from "../lib/api.js";

const KEY = "lianbao.console.session";
export const STAFF_ROLES = ["officer", "dispatcher", "admin"];

export function loadSession() {
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) || "null");
    return saved?.token && saved?.user ? saved : null;
  } catch {
    return null;
  }
}

export async function login(username, password) {
  const data = await request("/auth/login", { method: "POST", body: { username, password } });
  if (!STAFF_ROLES.includes(data.user.role)) throw new ApiError(403, "forbidden", "staff only");
  const session = { token: data.token, user: data.user };
  localStorage.setItem(KEY, JSON.stringify(session));
  return session;
}

export function logout() {
  localStorage.removeItem(KEY);
}

// api(session)(path, options): the shared request() with the bearer token; a 401 signs out.
export function apiFor(session, onUnauthorized) {
  return async (path, options = {}) => {
    try {
      return await request(path, { ...options, token: session.token });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) onUnauthorized();
      throw err;
    }
  };
}

// A short-lived signed link: <audio>/<video> stream it with Range requests (seeking) without the token.
export async function signedMediaUrl(session, mediaId) {
  const link = await request(`/media/${mediaId}/link`, { token: session.token });
  return link.url;
}

// Media need the bearer token, so they are fetched and shown through blob: URLs (revoke when done).
export async function mediaBlobUrl(session, path) {
  const response = await fetch(`/api/v1${path}`, { headers: { Authorization: `Bearer ${session.token}` } });
  if (!response.ok) throw new ApiError(response.status, "http_" + response.status, response.statusText);
  return URL.createObjectURL(await response.blob());
}
