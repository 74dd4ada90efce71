// The one way the console talks to the API: bearer token from sessionStorage, the API's error shape.
const TOKEN = "complaintdesk.token";
const USER = "complaintdesk.user";

export const auth = {
  get token() { return sessionStorage.getItem(TOKEN); },
  get user() { const raw = sessionStorage.getItem(USER); return raw ? JSON.parse(raw) : null; },
  save(token, user) { sessionStorage.setItem(TOKEN, token); sessionStorage.setItem(USER, JSON.stringify(user)); },
  clear() { sessionStorage.removeItem(TOKEN); sessionStorage.removeItem(USER); },
};

/** An error answered by the API: {"error": {"code", "message", "details"}}. `fields` maps field path -> message. */
export class ApiError extends Error {
  constructor(status, error) {
    super(error?.message || `HTTP ${status}`);
    this.status = status;
    this.code = error?.code || "error";
    this.details = error?.details ?? null;
    this.fields = {};
    if (Array.isArray(this.details)) {
      for (const d of this.details) if (d && d.field && !(d.field in this.fields)) this.fields[d.field] = d.message;
    }
  }
}

let onUnauthorized = () => {};
export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

export function newKey() { return crypto.randomUUID().replaceAll("-", ""); }

/** Call the API. Writes get a fresh Idempotency-Key unless one is given. Resolves to JSON, text or a Blob. */
export async function api(method, path, { body, form, key, as = "json", signal } = {}) {
  const headers = { Accept: as === "json" ? "application/json" : "*/*" };
  if (auth.token) headers.Authorization = `Bearer ${auth.token}`;
  let payload;
  if (form) {
    payload = new URLSearchParams(form);
  } else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  if (method !== "GET") headers["Idempotency-Key"] = key || newKey();
  let response;
  try {
    response = await fetch(path, { method, headers, body: payload, signal });
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError(0, { code: "network", message: String(err.message || err) });
  }
  if (!response.ok) {
    let error = null;
    try { error = (await response.json()).error; } catch { /* not the API's shape */ }
    const failure = new ApiError(response.status, error);
    if (response.status === 401 && !path.startsWith("/auth/token")) onUnauthorized(failure);
    throw failure;
  }
  if (as === "blob") return response.blob();
  if (as === "text") return response.text();
  return response.status === 204 ? null : response.json();
}

export const get = (path, opts) => api("GET", path, opts);
export const post = (path, body, opts = {}) => api("POST", path, { ...opts, body });
export const put = (path, body, opts = {}) => api("PUT", path, { ...opts, body });

/** Query string from an object; arrays repeat, empty values are left out. */
export function qs(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    for (const v of [].concat(value)) if (v !== undefined && v !== null && v !== "") search.append(name, v);
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

export async function login(username, password) {
  const token = await api("POST", "/auth/token", { form: { username, password } });
  sessionStorage.setItem(TOKEN, token.access_token);
  const me = await get("/auth/me");
  auth.save(token.access_token, me);
  return me;
}
