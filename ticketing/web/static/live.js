/* Live updates: one poller for the whole page asks GET /api/changes?after=<cursor> every few
 * seconds (the server says how often) and tells the views what changed — no socket, no worker
 * held per open page. A view says which ticket it shows (watchTicket) to get presence too, and
 * reports what the person does there (viewing / replying), renewed while the view is open. */

import { api, session } from "./api.js";

const EVENT = "live:changes";
let cursor = null;
let timer = null;
let running = false;
let watched = null; // {id, state}
let delayMs = 2000;

async function poll() {
  timer = null;
  if (!session.user || session.user.anonymous) {
    schedule();
    return;
  }
  const query = new URLSearchParams();
  if (cursor !== null) query.set("after", String(cursor));
  if (watched) query.set("ticket", String(watched.id));
  let more = false;
  try {
    const data = await api("GET", `/api/changes?${query}`);
    const first = cursor === null;
    cursor = data.cursor;
    more = data.more;
    if (data.poll_seconds) delayMs = Math.max(500, data.poll_seconds * 1000);
    if (!first || data.presence.length) {
      document.dispatchEvent(
        new CustomEvent(EVENT, { detail: { items: data.items, presence: data.presence || [] } })
      );
    }
  } catch (err) {
    // Offline or signed out: keep trying at the usual pace; api.js handles a 401.
  }
  schedule(more ? 0 : delayMs);
}

function schedule(ms = delayMs) {
  if (running && timer === null) timer = setTimeout(poll, ms);
}

/** Start polling (once, after sign-in). */
export function startLive() {
  if (running) return;
  running = true;
  schedule(0);
}

/** fn({items, presence}) after each poll; returns the function that stops listening. */
export function onLive(fn) {
  const handler = (e) => fn(e.detail);
  document.addEventListener(EVENT, handler);
  return () => document.removeEventListener(EVENT, handler);
}

async function sendPresence() {
  if (!watched) return;
  try {
    await api("PUT", `/api/tickets/${watched.id}/presence`, { state: watched.state });
  } catch (err) {
    // Presence is a courtesy: never an error for the person.
  }
}

let presenceTimer = null;
/** Say this page shows ticket id (state "viewing" or "replying"); null when it leaves. */
export function watchTicket(id, state = "viewing") {
  const previous = watched;
  if (id === null) {
    watched = null;
    clearInterval(presenceTimer);
    presenceTimer = null;
    if (previous) api("DELETE", `/api/tickets/${previous.id}/presence`).catch(() => {});
    return;
  }
  const changed = !previous || previous.id !== id || previous.state !== state;
  watched = { id, state };
  if (changed) sendPresence();
  if (!presenceTimer) presenceTimer = setInterval(sendPresence, 5000);
}
