/* The one way the page talks to the server: api(method, path, body, options).
 *
 * Same-origin cookies, the X-CSRF-Token header once the session gave a token, JSON both ways;
 * the error envelope {"error": {code, message, fields}} becomes an ApiError (Retry-After too);
 * a 401 ends the session in the page and calls the handler the shell registered (login view).
 */

/** Who is signed in: user is {id, email, name, role}, {anonymous: true} when the server has
 * no accounts, or null; csrf is the token sent with every request once known. */
export const session = { user: null, csrf: null, checked: false };

let unauthorized = () => {};
/** fn() runs after any request answered 401 (unless the caller allowed it). */
export function onUnauthorized(fn) {
  unauthorized = fn;
}

export class ApiError extends Error {
  constructor(status, code, message, fields, retryAfter) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.fields = fields || null;
    this.retryAfter = retryAfter;
    /** The whole error object of the envelope (e.g. a 412's current ticket: detail.current). */
    this.detail = null;
  }
}

function parseRetryAfter(value) {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const when = Date.parse(value);
  return Number.isNaN(when) ? null : Math.max(0, Math.ceil((when - Date.now()) / 1000));
}

/** A sentence for people about any failed request (network, 429 with its wait, envelope). */
export function errorText(err) {
  if (!(err instanceof ApiError)) {
    return "Could not reach the server. Check your connection and try again.";
  }
  if (err.status === 429) {
    return err.retryAfter !== null && err.retryAfter !== undefined
      ? `Too many requests. Try again in ${err.retryAfter} s.`
      : "Too many requests. Try again in a moment.";
  }
  return err.message || `The request failed (${err.status}).`;
}

/** True when the server does not offer this API (yet): the page says so instead of failing. */
export function notAvailable(err) {
  return err instanceof ApiError && (err.status === 404 || err.status === 405);
}

/** The items of a list answer, whether paginated ({items, meta}) or a plain array. */
export function listOf(data) {
  if (Array.isArray(data)) return data;
  return (data && data.items) || [];
}

async function readBody(response) {
  const type = response.headers.get("Content-Type") || "";
  if (response.status === 204 || !type.includes("json")) return null;
  try {
    return await response.json();
  } catch (e) {
    return null;
  }
}

/**
 * Send one request; resolves with the parsed JSON (null for 204) or rejects with an ApiError.
 * options.signal aborts it (the AbortError is re-thrown as is); options.allow401 keeps a 401
 * from ending the session (login, the session check); options.headers adds headers (If-Match).
 */
export async function api(method, path, body, options = {}) {
  const headers = { Accept: "application/json", ...(options.headers || {}) };
  const init = { method, headers, credentials: "same-origin" };
  if (body !== undefined && body !== null) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  if (session.csrf) headers["X-CSRF-Token"] = session.csrf;
  if (options.signal) init.signal = options.signal;
  let response;
  try {
    response = await fetch(path, init);
  } catch (netErr) {
    if (netErr && netErr.name === "AbortError") throw netErr;
    throw new ApiError(0, "network_error", "Could not reach the server.", null, null);
  }
  const data = await readBody(response);
  if (response.ok) return data;
  const e = (data && data.error) || {};
  const err = new ApiError(
    response.status,
    e.code || `http_${response.status}`,
    e.message || response.statusText || "Request failed",
    e.fields,
    parseRetryAfter(response.headers.get("Retry-After"))
  );
  err.detail = e;
  if (response.status === 401 && !options.allow401) {
    session.user = null;
    session.csrf = null;
    unauthorized();
  }
  throw err;
}
