/* Keyboard shortcuts: the page-wide ones and those a view adds while it is shown, never while
 * the person is typing in a field. "?" lists every shortcut that works on the current view. */

import { el } from "./dom.js";

/** The shortcuts of the whole page: [key, what it does] (the handlers live in app.js). */
const GLOBAL = [
  ["/", "Search tickets"],
  ["n", "New ticket"],
  ["d", "Dashboard"],
  ["?", "Show these shortcuts"],
];

/** The current view's shortcuts: [{keys, text, run(event)}] (one view at a time). */
let viewKeys = [];

/** Is the person typing (a field, a menu, an editable element)? Then keys are text. */
export function isTyping(target) {
  const tag = (target && target.tagName) || "";
  return /^(INPUT|TEXTAREA|SELECT)$/.test(tag) || Boolean(target && target.isContentEditable);
}

/** A view's shortcuts while it is shown: [[keys, text, run], …] (keys: ["o", "Enter"]);
 * returns the function that removes them. */
export function viewShortcuts(list) {
  const mine = list.map(([keys, text, run]) => ({ keys, text, run }));
  viewKeys = mine;
  return () => {
    if (viewKeys === mine) viewKeys = [];
  };
}

/** Run the view's shortcut for e, if it has one; true when it did. Enter on a link or a
 * button is theirs (it follows or presses them). */
export function runViewShortcut(e) {
  if (e.key === "Enter" && e.target && e.target.closest && e.target.closest("a, button, summary")) {
    return false;
  }
  const shortcut = viewKeys.find((s) => s.keys.includes(e.key));
  if (!shortcut) return false;
  shortcut.run(e);
  return true;
}

let dialog = null;

function row(key, text) {
  return el("tr", null, el("th", { scope: "row" }, el("kbd", null, key)), el("td", null, text));
}

/** The "?" dialog: every shortcut that works here (Esc or the button closes it). */
export function showShortcuts() {
  if (dialog) dialog.remove();
  const close = el("button", { type: "button", class: "btn", autofocus: true }, "Close");
  const here = viewKeys;
  dialog = el(
    "dialog",
    { class: "shortcuts-dialog", id: "shortcuts", "aria-labelledby": "shortcuts-h" },
    el("h2", { id: "shortcuts-h" }, "Keyboard shortcuts"),
    el(
      "table",
      { class: "shortcuts-table" },
      el("caption", { class: "visually-hidden" }, "Shortcuts"),
      el("tbody", null, GLOBAL.map(([k, t]) => row(k, t))),
      here.length
        ? el(
            "tbody",
            null,
            el("tr", null, el("th", { colspan: "2", class: "shortcuts-group" }, "On this page")),
            here.map((s) => row(s.keys.join(" / "), s.text))
          )
        : null
    ),
    el("p", { class: "muted small" }, "Shortcuts do nothing while you type in a field."),
    el("div", { class: "form-actions" }, close)
  );
  close.addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => {
    dialog.remove();
    dialog = null;
  });
  document.body.appendChild(dialog);
  dialog.showModal();
}

/* ---------- the ticket page's parts, reached from the list too ---------- */

/** Where e / r / a put the cursor on the ticket page. */
export const TICKET_PARTS = {
  edit: '.edit-card select[name="status"]',
  reply: 'textarea[name="reply"]',
  assign: '.edit-card select[name="assignee_id"]',
};
const PART_KEY = "ticketing.focusPart";

/** Focus selector's element once it is shown (parts of a page arrive as their data loads);
 * gives up after about 3 s. */
export function focusWhenShown(selector, tries = 30) {
  const target = document.querySelector(selector);
  if (target) {
    target.focus();
    target.scrollIntoView({ block: "center" });
    return;
  }
  if (tries > 0) setTimeout(() => focusWhenShown(selector, tries - 1), 100);
}

/** Remember which part of the ticket page the next ticket view should focus (e/r/a in the
 * list open the ticket there). */
export function focusPartNext(part) {
  sessionStorage.setItem(PART_KEY, part);
}

/** The part a shortcut in the list asked for (once), or null. */
export function takeFocusPart() {
  const part = sessionStorage.getItem(PART_KEY);
  sessionStorage.removeItem(PART_KEY);
  return TICKET_PARTS[part] ? part : null;
}
