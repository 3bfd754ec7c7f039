/* The signed-in person: the session check on start, sign-in/out, and the top bar that shows
 * who is signed in (name, Log out, the main navigation). */

import { ApiError, api, errorText, notAvailable, session } from "./api.js";
import { $, $$, clear, el } from "./dom.js";
import { toast } from "./ui.js";
import { vocab } from "./vocab.js";

// [view, link, text, for admins only]
const NAV = [
  ["tickets", "#/tickets", "Tickets", false],
  ["new", "#/tickets/new", "New ticket", false],
  ["dashboard", "#/dashboard", "Dashboard", false],
  ["exports", "#/exports", "Exports", false],
  ["access-log", "#/access-log", "Access log", true],
  ["macros", "#/macros", "Macros", false],
  ["people", "#/people", "Users", true],
  ["sla", "#/sla", "SLAs", true],
];

function isAdmin() {
  return Boolean(session.user && vocab.adminRole && session.user.role === vocab.adminRole);
}

function renderNav() {
  const nav = clear($("#nav"));
  for (const [view, href, text, adminOnly] of NAV) {
    if (adminOnly && !isAdmin()) continue;
    nav.appendChild(el("a", { href, class: "nav-link", dataset: { view } }, text));
  }
  // On a phone the top bar has no room for the name and Log out: the Account page has them.
  if (session.user && !session.user.anonymous) {
    nav.appendChild(el("a", { href: "#/account", class: "nav-link nav-account", dataset: { view: "account" } }, "Account"));
  }
  nav.hidden = false;
}

/** Mark the navigation link of the view shown (a ticket's detail belongs to "Tickets"). */
export function markNav(name) {
  $$("#nav .nav-link").forEach((a) => {
    const active = a.dataset.view === name || (name === "ticket" && a.dataset.view === "tickets");
    if (active) {
      a.setAttribute("aria-current", "page");
      // A phone's one-line bar scrolls sideways: keep the current view's link in sight.
      const nav = a.parentElement;
      if (nav.scrollWidth > nav.clientWidth) nav.scrollLeft = a.offsetLeft - nav.offsetLeft - 8;
    }
    else a.removeAttribute("aria-current");
  });
}

/** The top bar as the session stands: the person's name and Log out, the navigation. */
export function renderUser() {
  const box = $("#user");
  const button = $("#logout");
  if (!box || !button) return;
  const signedIn = Boolean(session.user && !session.user.anonymous);
  box.hidden = !signedIn;
  button.hidden = !signedIn;
  $("#nav").hidden = !session.user;
  box.textContent = signedIn ? session.user.name || session.user.email : "";
}

/** Keep the session a login or GET /api/auth/me answered with ({user, csrf_token}). */
export function acceptSession(answer) {
  const data = answer || {};
  session.user = data.user || data;
  session.csrf = data.csrf_token || session.csrf;
  session.checked = true;
  renderNav();
  renderUser();
}

function anonymous() {
  session.user = { anonymous: true };
  renderNav();
}

/**
 * Ask the server who is signed in. 401: nobody (the login view follows); 404: the server has
 * no accounts, so the page is usable without signing in.
 */
export async function checkSession() {
  try {
    acceptSession(await api("GET", "/api/auth/me", null, { allow401: true }));
    return;
  } catch (err) {
    session.checked = true;
    if (err instanceof ApiError && err.status === 401) {
      session.user = null;
    } else if (notAvailable(err)) {
      anonymous();
    } else {
      anonymous();
      toast(`Could not check your session: ${errorText(err)}`, "error");
    }
  }
  renderUser();
}

/**
 * End the session on the server, then in the page. A sign-out the server could not record (a
 * 503: the session would still work) leaves the person signed in and says so; returns whether
 * the person is signed out.
 */
export async function signOut() {
  try {
    await api("POST", "/api/auth/logout", {}, { allow401: true });
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) {
      toast(`Not signed out: ${errorText(err)}`, "error");
      return false;
    }
  }
  session.user = null;
  session.csrf = null;
  renderUser();
  return true;
}
