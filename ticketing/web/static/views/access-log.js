/* #/access-log?action=…&email=…&address=…&created_from=…&created_to=…&page=N — the account-and-
 * access log (admins): who signed in or failed to, signed out, changed a password, a role or an
 * account, made or revoked a token, exported data. Read-only: the API has no way to change it.
 * Every value is shown as text; the actions come from the vocabulary the server hands over. */

import { api, errorText } from "../api.js";
import { clear, el } from "../dom.js";
import { fmtDate, fmtNumber, label, safeUrl } from "../format.js";
import { navigate } from "../router.js";
import { vocab } from "../vocab.js";
import { field, heading, select } from "../ui.js";

const FILTERS = ["action", "email", "address", "created_from", "created_to"];
const PER_PAGE = 50;

/** The filters of the route as query parameters (page excluded). */
function filterParams(params) {
  const out = new URLSearchParams();
  for (const name of FILTERS) {
    const value = (params.get(name) || "").trim();
    if (value) out.set(name, value);
  }
  return out;
}

function input(name, type, value, extra) {
  return el("input", { name, type, value: value || "", autocomplete: "off", ...extra });
}

function filterForm(params, onApply) {
  const action = select([["", "Any action"], ...vocab.accessActions], params.get("action") || "", {
    name: "action",
  });
  const controls = {
    action,
    email: input("email", "email", params.get("email"), { placeholder: "ana@example.com" }),
    address: input("address", "text", params.get("address"), { placeholder: "203.0.113.7" }),
    created_from: input("created_from", "date", params.get("created_from")),
    created_to: input("created_to", "date", params.get("created_to")),
  };
  const form = el(
    "form",
    { class: "filters", role: "search", "aria-label": "Filter the access log" },
    el(
      "div",
      { class: "filters-grid log-filters" },
      field("Action", controls.action, { name: "action" }),
      field("E-mail", controls.email, { name: "email", hint: "who acted or was acted on" }),
      field("Address", controls.address, { name: "address" }),
      field("From", controls.created_from, { name: "created_from" }),
      field("To", controls.created_to, { name: "created_to" })
    ),
    el(
      "div",
      { class: "filters-actions form-actions" },
      el("button", { type: "submit", class: "btn btn-primary" }, "Apply"),
      el("button", { type: "button", class: "btn", dataset: { clear: "" } }, "Clear")
    )
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const next = new URLSearchParams();
    for (const [name, control] of Object.entries(controls)) {
      if (control.value.trim()) next.set(name, control.value.trim());
    }
    onApply(next);
  });
  form.querySelector("[data-clear]").addEventListener("click", () => onApply(new URLSearchParams()));
  return form;
}

/** "Role: agent → admin", "Rows: 2" … from an entry's details, as plain text. */
function detailText(details) {
  if (!details || typeof details !== "object") return "";
  const text = (v) => {
    if (v !== null && typeof v === "object") return JSON.stringify(v);
    return typeof v === "string" && /^[a-z]+(_[a-z]+)+$/.test(v) ? label(v) : String(v);
  };
  if ("from" in details && "to" in details) return `${text(details.from)} → ${text(details.to)}`;
  return Object.entries(details)
    .map(([k, v]) => `${label(k)}: ${text(v)}`)
    .join(" · ");
}

function who(entry) {
  if (entry.actor_label) return entry.actor_label;
  return entry.via === "cli" ? "command line" : "not signed in";
}

function row(entry) {
  return el(
    "tr",
    { dataset: { id: String(entry.id), action: entry.action } },
    el("td", { class: "col-time" }, fmtDate(entry.created_at)),
    el("td", null, label(entry.action)),
    el("td", null, who(entry)),
    el("td", null, entry.subject_label || ""),
    el("td", { class: "col-address" }, entry.address || ""),
    el("td", { class: "small" }, detailText(entry.details)),
    el("td", { class: "small muted col-agent" }, entry.user_agent || "")
  );
}

function table(items) {
  const head = ["When", "Action", "Who", "About", "Address", "Details", "Browser or client"];
  return el(
    "div",
    { class: "table-wrap" },
    el(
      "table",
      { class: "log-table", id: "access-log-table" },
      el("thead", null, el("tr", null, head.map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", null, items.map(row))
    )
  );
}

function pager(meta, goPage) {
  const prev = el("button", { type: "button", class: "btn btn-small" }, "Previous");
  const next = el("button", { type: "button", class: "btn btn-small" }, "Next");
  prev.disabled = meta.page <= 1;
  next.disabled = meta.page >= meta.pages;
  prev.addEventListener("click", () => goPage(meta.page - 1));
  next.addEventListener("click", () => goPage(meta.page + 1));
  const info = el("span", null, `Page ${meta.page} of ${Math.max(1, meta.pages)}`);
  return el("nav", { class: "pager", "aria-label": "Pages" }, prev, info, next);
}

export function accessLogView(main, route) {
  let alive = true;
  let request = null;
  const total = el("p", { class: "total", "aria-live": "polite" });
  const download = el("a", { class: "btn btn-small", download: "" }, "Download CSV");
  const body = el("div", { class: "log-body" });
  const formBox = el("div");
  main.appendChild(
    el(
      "section",
      { class: "view view-access-log" },
      el("div", { class: "view-head" }, heading("Access log"), download),
      el(
        "p",
        { class: "muted" },
        "Sign-ins, sign-outs, passwords, roles, accounts, tokens and exports, newest first. " +
          "Entries cannot be changed or deleted; they are kept for the configured retention."
      ),
      formBox,
      total,
      body
    )
  );

  function go(params) {
    navigate("/access-log", params);
  }

  async function load(params) {
    if (request) request.abort();
    request = new AbortController();
    const query = filterParams(params);
    download.href = safeUrl(`/api/access-log/export${query.toString() ? `?${query}` : ""}`) || "";
    query.set("page", params.get("page") || "1");
    query.set("per_page", String(PER_PAGE));
    body.setAttribute("aria-busy", "true");
    let data;
    try {
      data = await api("GET", `/api/access-log?${query}`, null, { signal: request.signal });
    } catch (err) {
      if (!alive || (err && err.name === "AbortError")) return;
      body.removeAttribute("aria-busy");
      total.textContent = "";
      clear(body).append(el("p", { class: "error-box" }, errorText(err)));
      return;
    }
    if (!alive) return;
    body.removeAttribute("aria-busy");
    const items = data.items || [];
    const meta = data.meta || { page: 1, pages: 1, total: items.length };
    total.textContent = `${fmtNumber(meta.total)} ${meta.total === 1 ? "entry" : "entries"}`;
    const goPage = (page) => {
      const next = filterParams(params);
      next.set("page", String(page));
      go(next);
    };
    clear(body).append(
      ...(items.length
        ? [table(items), pager(meta, goPage)]
        : [el("p", { class: "muted empty" }, "No entries match these filters.")])
    );
  }

  function update(next) {
    clear(formBox).append(filterForm(next.params, go));
    load(next.params);
  }
  update(route);
  return {
    update,
    destroy() {
      alive = false;
      if (request) request.abort();
    },
  };
}
