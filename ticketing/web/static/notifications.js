/* The bell in the top bar: your notifications (SLA warnings, breaches, escalations) from
 * GET /api/notifications, the unread count on the button, a panel listing the newest with a
 * link to each ticket; opening one marks it read (PATCH), "Mark all read" reads them all.
 * Refreshed when the live feed reports an SLA event, and every minute. */

import { api, errorText, listOf, session } from "./api.js";
import { $, clear, debounce, el, svg } from "./dom.js";
import { fmtAge, fmtDate } from "./format.js";
import { onLive } from "./live.js";

const REFRESH_MS = 60000;
const SHOWN = 10;

let started = false;

function bellIcon() {
  return svg(
    "svg",
    { viewBox: "0 0 24 24", width: "18", height: "18", "aria-hidden": "true", class: "bell-icon" },
    svg("path", {
      d: "M12 3a6 6 0 0 0-6 6v4l-2 3h16l-2-3V9a6 6 0 0 0-6-6zm-2 15a2 2 0 0 0 4 0",
      fill: "none",
      stroke: "currentColor",
      "stroke-width": "2",
      "stroke-linejoin": "round",
    })
  );
}

function signedIn() {
  return Boolean(session.user && !session.user.anonymous);
}

function item(n, onOpen) {
  return el(
    "li",
    { class: `notice${n.read ? "" : " notice-unread"}`, dataset: { id: n.id, event: n.event } },
    el(
      "a",
      { href: `#/tickets/${n.ticket_id}`, onclick: () => onOpen(n) },
      el("span", { class: "notice-message" }, n.message),
      el("time", { datetime: n.created_at, title: fmtDate(n.created_at), class: "muted small" }, fmtAge(n.created_at))
    )
  );
}

/** Put the bell in the top bar (once, after sign-in). */
export function startNotifications() {
  if (started) return;
  const tools = $(".topbar-tools");
  if (!tools) return;
  started = true;
  const count = el("span", { class: "bell-count", hidden: true });
  const button = el(
    "button",
    { type: "button", class: "btn btn-ghost bell", id: "bell", "aria-expanded": "false", "aria-controls": "bell-panel" },
    bellIcon(),
    el("span", { class: "visually-hidden" }, "Notifications"),
    count
  );
  const list = el("ul", { class: "notices" });
  const readAll = el("button", { type: "button", class: "btn btn-small", id: "read-all" }, "Mark all read");
  const panel = el(
    "div",
    { class: "bell-panel", id: "bell-panel", hidden: true, role: "region", "aria-label": "Notifications" },
    el("div", { class: "bell-head" }, el("strong", null, "Notifications"), readAll),
    list
  );
  const wrap = el("div", { class: "bell-wrap" }, button, panel);
  tools.insertBefore(wrap, tools.firstChild);

  function show(data) {
    const unread = (data.meta && data.meta.unread) || 0;
    count.textContent = String(unread);
    count.hidden = unread === 0;
    button.title = unread ? `${unread} unread notification${unread === 1 ? "" : "s"}` : "No unread notifications";
    button.setAttribute("aria-label", `Notifications: ${unread} unread`);
    readAll.disabled = unread === 0;
    clear(list);
    const items = listOf(data);
    if (!items.length) list.appendChild(el("li", { class: "muted notice-empty" }, "Nothing yet."));
    items.forEach((n) => list.appendChild(item(n, open)));
  }

  async function load() {
    wrap.hidden = !signedIn();
    if (!signedIn()) return;
    try {
      show(await api("GET", `/api/notifications?per_page=${SHOWN}`));
    } catch (err) {
      clear(list).appendChild(el("li", { class: "muted" }, errorText(err)));
    }
  }

  async function open(n) {
    toggle(false);
    if (n.read) return;
    try {
      await api("PATCH", `/api/notifications/${n.id}`, { read: true });
    } finally {
      load();
    }
  }

  function toggle(on) {
    panel.hidden = !on;
    button.setAttribute("aria-expanded", String(on));
    if (on) load();
  }

  button.addEventListener("click", () => toggle(panel.hidden));
  readAll.addEventListener("click", async () => {
    readAll.disabled = true;
    try {
      await api("POST", "/api/notifications/read");
    } finally {
      load();
    }
  });
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && !panel.hidden) {
      toggle(false);
      button.focus();
    }
  });
  document.addEventListener("click", (e) => {
    if (!panel.hidden && !wrap.contains(e.target)) toggle(false);
  });
  const refresh = debounce(load, 500);
  onLive(({ items }) => {
    if (items.some((c) => String(c.action || "").startsWith("sla_"))) refresh();
  });
  window.addEventListener("hashchange", refresh); // e.g. just signed in
  setInterval(load, REFRESH_MS);
  load();
}
