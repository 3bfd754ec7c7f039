/* ticketing — the one page, as native ES modules: no build step, no third-party code.
 *
 * This module boots the page and routes hashes to views. Each view (views/*.js) is a function
 * (main, route) → {update?(route), destroy?()} that builds its part of the page into <main>.
 * Rules kept throughout: every piece of ticket data reaches the DOM as text (dom.js el() makes
 * text nodes, never markup); every request goes through api.js, which sends the CSRF token,
 * turns the error envelope into an ApiError and comes back here on 401; the vocabulary comes
 * from the server (vocab.js), never from a copy in the code. The theme is theme.js (a classic
 * script in <head>, so it applies before first paint).
 */

import { onUnauthorized, session } from "./api.js";
import { $, clear } from "./dom.js";
import { isTyping, runViewShortcut, showShortcuts } from "./keys.js";
import { startLive } from "./live.js";
import { startNotifications } from "./notifications.js";
import { goLogin, navigate, onRoute, parseHash } from "./router.js";
import { checkSession, markNav, renderUser, signOut } from "./session.js";
import { toast } from "./ui.js";
import { accessLogView } from "./views/access-log.js";
import { accountView } from "./views/account.js";
import { dashboardView } from "./views/dashboard.js";
import { exportsView } from "./views/exports.js";
import { loginView } from "./views/login.js";
import { newTicketView } from "./views/new-ticket.js";
import { macrosView } from "./views/macros.js";
import { peopleAdminView } from "./views/people-admin.js";
import { forgotView, resetView } from "./views/password-reset.js";
import { slaAdminView } from "./views/sla-admin.js";
import { submitView } from "./views/submit.js";
import { ticketView } from "./views/ticket.js";
import { ticketsView } from "./views/tickets.js";

const VIEWS = {
  tickets: ticketsView,
  new: newTicketView,
  ticket: ticketView,
  dashboard: dashboardView,
  exports: exportsView,
  login: loginView,
  forgot: forgotView,
  reset: resetView,
  account: accountView,
  "access-log": accessLogView,
  sla: slaAdminView,
  macros: macrosView,
  people: peopleAdminView,
};

/** Views open without signing in. */
const PUBLIC_VIEWS = new Set(["login", "forgot", "reset"]);

let current = null; // the mounted view: {name, update?(route), destroy?()}
let navigated = false; // false until the first view was shown

function viewName(route) {
  const [head = "tickets", second] = route.parts;
  if (head === "tickets" && second === "new") return "new";
  if (head === "tickets" && second) return "ticket";
  return VIEWS[head] ? head : "tickets";
}

function unmount() {
  if (current && current.destroy) current.destroy();
  current = null;
}

function route() {
  const r = parseHash();
  const name = viewName(r);
  if (!PUBLIC_VIEWS.has(name) && !session.user && session.checked) {
    goLogin();
    return;
  }
  markNav(name);
  // The same view with other params (filters, a page) updates itself in place.
  if (current && current.name === name && current.update && current.update(r) !== false) return;
  unmount();
  const main = clear($("#main"));
  current = { ...VIEWS[name](main, r), name };
  // After a navigation (not the first paint) move focus to the new view's heading.
  const h1 = $("h1", main);
  if (h1 && navigated) h1.focus({ preventScroll: true });
  navigated = true;
  window.scrollTo(0, 0);
}

async function logout() {
  if (!(await signOut())) return;
  unmount();
  navigate("/login");
  toast("Signed out.");
}

function focusSearch() {
  const search = $("#search");
  if (search) {
    search.focus();
    return;
  }
  navigate("/tickets");
  setTimeout(() => {
    const shown = $("#search");
    if (shown) shown.focus();
  }, 0);
}

/** Shortcuts when not typing: "/" search, "n" new ticket, "d" dashboard, "?" the list of
 * them all, then the current view's own (keys.js); Esc leaves search. */
function keyboard() {
  document.addEventListener("keydown", (e) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    if (isTyping(e.target)) {
      if (e.key === "Escape" && e.target.id === "search") e.target.blur();
      return;
    }
    if (document.querySelector("dialog[open]")) return; // a dialog has the keyboard
    if (e.key === "?") {
      e.preventDefault();
      showShortcuts();
    } else if (runViewShortcut(e)) {
      e.preventDefault();
    } else if (e.key === "/") {
      e.preventDefault();
      focusSearch();
    } else if (e.key === "n") {
      navigate("/tickets/new");
    } else if (e.key === "d") {
      navigate("/dashboard");
    }
  });
}

async function boot() {
  const publicMode = document.body.dataset.mode === "public";
  $("#logout").addEventListener("click", logout);
  onUnauthorized(() => {
    renderUser();
    if (!publicMode) goLogin();
  });
  if (publicMode) {
    submitView(clear($("#main")));
    return;
  }
  keyboard();
  onRoute(route);
  await checkSession();
  route();
  startLive(); // polls only while someone is signed in
  startNotifications(); // the bell: SLA warnings for you
}

boot();
