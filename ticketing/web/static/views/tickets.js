/* #/tickets — the list: filters, search (debounced; "#123" jumps), sortable columns, pages,
 * skeleton rows while loading, "Export these results". The hash holds the whole state. */

import { api, errorText, notAvailable } from "../api.js";
import { $, $$, clear, debounce, el } from "../dom.js";
import { fieldMessages, fmtAge, fmtAgeLong, fmtDate } from "../format.js";
import { focusPartNext, viewShortcuts } from "../keys.js";
import { onLive } from "../live.js";
import { navigate } from "../router.js";
import {
  badge,
  categoryCell,
  errorBox,
  heading,
  showError,
  sourceMark,
  tagList,
  urgencyMeter,
} from "../ui.js";
import { vocab } from "../vocab.js";
import { inlineSelect } from "./list-inline.js";
import { markDuplicates } from "./assist.js";
import { bulkBar, headCheck, rowCheck } from "./bulk-bar.js";
import { DUE_SORT, dueMark } from "./sla.js";
import { viewsSidebar } from "./views-sidebar.js";
import { DEFAULT_PER_PAGE, DEFAULT_SORT, filterForm, filtersFrom } from "./filters.js";
import { fetchPage, pager, totalText } from "./list-pages.js";

/** The id of a ticket just created in the page: its row is highlighted once. */
export const CREATED_KEY = "ticketing.created";
const COLUMNS = 14;
/** Changes that can add, drop or move a row of the list (or change what it shows). */
const LISTED = new Set([
  "status",
  "priority",
  "category",
  "assignee_id",
  "team_id",
  "sentiment",
  "urgency_score",
  "tags",
  "subject",
]);
const JUMP = /^#(\d+)$/;

/* ---------- the table ---------- */

function sortHeader(text, key, onSort) {
  const button = el(
    "button",
    { type: "button", class: "sort", dataset: { sort: key }, onclick: () => onSort(key) },
    text,
    el("span", { class: "sort-arrow", "aria-hidden": "true" })
  );
  return el("th", { scope: "col", dataset: { sortKey: key } }, button);
}

/** The sort a click on a column header asks for: high-to-low first, then flip. */
function nextSort(current, key) {
  if (key === DUE_SORT) return current === key ? `-${key}` : key; // due soonest first
  if (key.endsWith("_at")) return current === `-${key}` ? key : `-${key}`;
  return current === `-${key}` ? key : `-${key}`;
}

function tableHead(onSort, onCheckAll) {
  const plain = (text, cls) => el("th", { scope: "col", class: cls || null }, text);
  return el(
    "thead",
    null,
    el(
      "tr",
      null,
      headCheck(onCheckAll),
      plain("ID", "col-id"),
      plain("Subject"),
      plain("Requester"),
      plain("Status"),
      sortHeader("Priority", "priority", onSort),
      plain("Category"),
      sortHeader("Assignee", "assignee", onSort),
      plain("Sentiment"),
      sortHeader("Urgency", "urgency_score", onSort),
      plain("Waiting"),
      sortHeader("Due", DUE_SORT, onSort),
      sortHeader("Updated", "updated_at", onSort),
      sortHeader("Created", "created_at", onSort)
    )
  );
}

function syncSortHeaders(thead, params) {
  const sort = params.get("sort") || DEFAULT_SORT;
  $$("th[data-sort-key]", thead).forEach((th) => {
    const key = th.dataset.sortKey;
    const dir = sort === key ? "ascending" : sort === `-${key}` ? "descending" : null;
    if (dir) th.setAttribute("aria-sort", dir);
    else th.removeAttribute("aria-sort");
    $(".sort-arrow", th).textContent = { ascending: " ▲", descending: " ▼" }[dir] || "";
  });
}

function cell(labelText, content, cls) {
  return el("td", { "data-label": labelText, class: cls || null }, content);
}

/** A relative time that never wraps ("24d"), the date and "24 days ago" on hover. */
function ago(iso, cls) {
  if (!iso) return el("span", { class: "muted" }, "—");
  return el(
    "time",
    { datetime: iso, title: `${fmtDate(iso)} (${fmtAgeLong(iso)})`, class: cls || null },
    fmtAge(iso)
  );
}

const DAY_MS = 86400000;

/** How long the requester has waited for the team (longer than a day stands out). */
function waiting(t) {
  if (!t.waiting_since) return el("span", { class: "muted", title: "Nobody is waiting on the team" }, "—");
  const long = Date.now() - new Date(t.waiting_since).getTime() > DAY_MS;
  return ago(t.waiting_since, long ? "waiting-long" : null);
}

/** The requester as a link to all of their tickets. */
export function requesterLink(t) {
  if (!t.requester_email) return el("span", { class: "muted" }, t.requester_name || "—");
  const params = new URLSearchParams({ requester: t.requester_email });
  return el(
    "a",
    {
      href: `#/tickets?${params}`,
      class: "requester-link",
      title: `All tickets from ${t.requester_email}`,
    },
    t.requester_name || t.requester_email
  );
}

/** Who owns the ticket, and in which team. */
function ownerCell(t) {
  const who = t.assignee ? t.assignee.name : "—";
  const team = t.team ? el("span", { class: "sub muted" }, t.team.name) : null;
  return [el("span", { class: "assignee" }, who), team];
}

function ticketRow(t, highlight, onStale) {
  const link = el("a", { href: `#/tickets/${t.id}`, class: "subject-link", title: t.subject }, t.subject);
  const tags = (t.tags || []).length ? el("span", { class: "row-tags" }, tagList(t.tags)) : null;
  return el(
    "tr",
    { dataset: { id: t.id }, class: highlight === t.id ? "row-new" : null },
    rowCheck(t),
    cell("ID", `#${t.id}`, "col-id"),
    cell("Subject", el("span", { class: "subject-line" }, link, tags), "col-subject"),
    cell("Requester", requesterLink(t), "col-requester"),
    cell("Status", inlineSelect(t, "status", vocab.statuses, onStale), "col-status"),
    // The priority's source is named when it differs from the category's (shown beside it).
    cell(
      "Priority",
      [
        inlineSelect(t, "priority", [["", "—"], ...vocab.priorities], onStale),
        " ",
        t.priority_source !== t.category_source ? sourceMark(t.priority_source) : null,
      ],
      "col-priority"
    ),
    cell("Category", categoryCell(t), "col-category"),
    cell("Assignee", ownerCell(t), "col-owner"),
    cell("Sentiment", badge("sentiment", t.sentiment), "col-sentiment"),
    cell("Urgency", urgencyMeter(t.urgency_score), "col-urgency"),
    cell("Waiting", waiting(t), "col-time col-waiting"),
    cell("Due", dueMark(t), "col-time col-due"),
    cell("Updated", ago(t.updated_at), "col-time col-updated"),
    cell("Created", ago(t.created_at), "col-time col-created")
  );
}

function skeletonRows(count) {
  return Array.from({ length: count }, () =>
    el(
      "tr",
      { class: "skeleton-row", "aria-hidden": "true" },
      Array.from({ length: COLUMNS }, () => el("td", null, el("span", { class: "skeleton" })))
    )
  );
}

function emptyState(onClear) {
  return el(
    "div",
    { class: "empty", hidden: true },
    el("p", { class: "empty-title" }, "No tickets match."),
    el("p", null, "Try fewer filters or a different search."),
    el("button", { type: "button", class: "btn", onclick: onClear }, "Clear filters")
  );
}

/* ---------- the view ---------- */

export function ticketsView(main, route) {
  const view = {};
  let params = route.params;
  let seq = 0;
  let controller = null;
  let focusSort = null; // the sort button to refocus once the sorted list is shown
  // "Next →" continues by the answer's next_cursor (keyset: a deep page costs what page 1 does);
  // the URL keeps the page number, so a reload or a deep link reads it by page= instead.
  let nextHop = null; // { target: the next page's params, cursor }
  const highlight = Number(sessionStorage.getItem(CREATED_KEY)) || null;
  sessionStorage.removeItem(CREATED_KEY);

  const clearFilters = () => navigate("/tickets", new URLSearchParams());
  const sidebar = viewsSidebar({ params: () => params });
  const filters = filterForm({
    onApply: (next) => (next ? navigate("/tickets", next) : applyFilters(false)),
    onClear: clearFilters,
  });
  const total = el("p", { class: "total", "aria-live": "polite" });
  const errors = errorBox();
  const exportButton = el(
    "button",
    { type: "button", class: "btn btn-small", onclick: startExport },
    "Export"
  );
  exportButton.setAttribute("aria-label", "Export these results");
  exportButton.title = "Export these results (CSV)";
  const toolbar = el(
    "div",
    { class: "list-head" },
    heading("Tickets"),
    total,
    filters.head,
    sidebar.menu,
    el(
      "div",
      { class: "toolbar-actions" },
      el("a", { class: "btn btn-primary btn-small", href: "#/tickets/new" }, "New ticket"),
      exportButton
    )
  );
  const thead = tableHead(sortBy, (on) => {
    $$(".row-check", tbody).forEach((box) => {
      box.checked = on;
    });
    bar.sync();
  });
  const tbody = el("tbody");
  const table = el(
    "table",
    { class: "tickets-table", id: "tickets-table" },
    el("caption", { class: "visually-hidden" }, "Tickets"),
    thead,
    tbody
  );
  const empty = emptyState(clearFilters);
  const pages = pager(goPage);
  const bar = bulkBar({
    tbody,
    params: () => params,
    total: () => Number(total.dataset.total || 0),
    onDone: () => load(true),
  });
  main.appendChild(
    el(
      "div",
      { class: "list-layout" },
      sidebar.node,
      el(
        "section",
        { class: "view view-tickets" },
        toolbar,
        filters.chips,
        filters.panel,
        bar.node,
        errors,
        el("div", { class: "table-wrap" }, table),
        empty,
        pages.nav
      )
    )
  );

  function sortBy(key) {
    const p = new URLSearchParams(params);
    p.set("sort", nextSort(params.get("sort") || DEFAULT_SORT, key));
    p.delete("page");
    focusSort = key;
    navigate("/tickets", p);
  }

  function pageParams(delta) {
    const p = new URLSearchParams(params);
    const page = Math.max(1, (Number(p.get("page")) || 1) + delta);
    if (page === 1) p.delete("page");
    else p.set("page", String(page));
    return p;
  }

  function goPage(delta) {
    navigate("/tickets", pageParams(delta));
  }

  function applyFilters(replace) {
    const jump = JUMP.exec(filters.search.value.trim());
    if (jump) navigate(`/tickets/${jump[1]}`);
    else navigate("/tickets", filters.params(), replace);
  }

  const stopTyping = searchAsYouType(filters.search, () => {
    // Typing refines the same search: replace the history entry rather than add one per key.
    applyFilters(Boolean(params.get("q")) || !filters.search.value.trim());
  });

  /* ---------- the keyboard: j/k move, o/Enter open, e/r/a open at a part ---------- */

  let currentIndex = -1;
  const listRows = () => $$("tr[data-id]", tbody);
  function selectedIndex() {
    const rows = listRows();
    const focused = document.activeElement && document.activeElement.closest("tr[data-id]");
    const at = focused ? rows.indexOf(focused) : -1;
    return at >= 0 ? at : currentIndex;
  }
  function moveBy(delta) {
    const rows = listRows();
    if (!rows.length) return;
    const from = selectedIndex();
    currentIndex = from < 0 ? 0 : Math.max(0, Math.min(rows.length - 1, from + delta));
    rows.forEach((r, i) => r.classList.toggle("row-current", i === currentIndex));
    const row = rows[currentIndex];
    $(".subject-link", row).focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
  }
  function openSelected(part) {
    const row = listRows()[selectedIndex()];
    if (!row) return;
    if (part) focusPartNext(part);
    navigate(`/tickets/${row.dataset.id}`);
  }
  const stopKeys = viewShortcuts([
    [["j"], "Next ticket in the list", () => moveBy(1)],
    [["k"], "Previous ticket in the list", () => moveBy(-1)],
    [["o", "Enter"], "Open the selected ticket", () => openSelected(null)],
    [["e"], "Edit the selected ticket (status, priority …)", () => openSelected("edit")],
    [["r"], "Reply to the selected ticket", () => openSelected("reply")],
    [["a"], "Assign the selected ticket", () => openSelected("assign")],
  ]);

  function showLoading() {
    clear(tbody);
    const rows = Math.min(Number(params.get("per_page")) || Number(DEFAULT_PER_PAGE), 8);
    skeletonRows(rows).forEach((row) => tbody.appendChild(row));
    table.setAttribute("aria-busy", "true");
  }

  /** quiet: a live refresh, which keeps the rows the agent has checked (those still listed). */
  function showPage(data, quiet = false) {
    table.removeAttribute("aria-busy");
    const hadFocus = tbody.contains(document.activeElement);
    const checked = quiet ? new Set($$(".row-check", tbody).filter((b) => b.checked).map((b) => b.value)) : new Set();
    clear(tbody);
    const items = data.items || [];
    const keep = currentIndex;
    items.forEach((t) => tbody.appendChild(ticketRow(t, highlight, () => load(true))));
    const boxes = $$(".row-check", tbody);
    boxes.forEach((box) => {
      box.checked = checked.has(box.value);
    });
    // A live refresh keeps the selected row (by position) and its focus.
    const rows = listRows();
    currentIndex = keep < rows.length ? keep : -1;
    if (currentIndex >= 0) {
      rows[currentIndex].classList.add("row-current");
      if (hadFocus) $(".subject-link", rows[currentIndex]).focus({ preventScroll: true });
    }
    markDuplicates(tbody, items.map((t) => t.id));
    const meta = data.meta || {};
    total.textContent = totalText(meta);
    total.dataset.total = String(meta.total || 0);
    empty.hidden = items.length > 0;
    table.hidden = items.length === 0;
    pages.show(meta);
    const all = $("#check-page", thead);
    if (all) all.checked = boxes.length > 0 && boxes.every((box) => box.checked);
    bar.sync();
    if (focusSort) {
      const button = thead.querySelector(`[data-sort="${focusSort}"]`);
      if (button) button.focus();
      focusSort = null;
    }
  }

  function showFailure(err) {
    table.removeAttribute("aria-busy");
    clear(tbody);
    table.hidden = true;
    empty.hidden = true;
    const detail = err.fields ? fieldMessages(err.fields) : [];
    showError(errors, errorText(err) + (detail.length ? ` — ${detail.join("; ")}` : ""));
  }

  /** quiet: a live refresh (somebody's change): no skeleton rows, no focus moves. */
  async function load(quiet = false) {
    seq += 1;
    const mine = seq;
    if (controller) controller.abort();
    controller = new AbortController();
    showError(errors, "");
    if (!quiet) showLoading();
    const query = new URLSearchParams(params);
    if (!query.get("per_page")) query.set("per_page", DEFAULT_PER_PAGE);
    const hop = !quiet && nextHop && nextHop.target === params.toString() ? nextHop : null;
    if (hop) query.set("cursor", hop.cursor);
    try {
      const data = await fetchPage(query, controller.signal);
      if (mine === seq) {
        nextHop = data.meta?.next_cursor
          ? { target: pageParams(1).toString(), cursor: data.meta.next_cursor }
          : null;
        showPage(data, quiet);
      }
    } catch (err) {
      if (err.name !== "AbortError" && mine === seq) showFailure(err);
    }
  }


  async function startExport() {
    exportButton.disabled = true;
    try {
      const job = await api("POST", "/api/exports", filtersFrom(params));
      navigate("/exports", new URLSearchParams({ id: job.id }));
    } catch (err) {
      exportButton.disabled = false;
      const text = notAvailable(err) ? "Exports are not available on this server yet." : null;
      showError(errors, text || errorText(err));
    }
  }

  view.update = (next) => {
    params = next.params;
    currentIndex = -1;
    filters.sync(params, document.activeElement === filters.search);
    syncSortHeaders(thead, params);
    bar.reset();
    sidebar.mark(params);
    load();
  };
  // New tickets and changes by anyone show within a poll, without a reload.
  const refresh = debounce(() => load(true), 300);
  const stopLive = onLive(({ items }) => {
    const shown = new Set($$("tr[data-id]", tbody).map((row) => Number(row.dataset.id)));
    const relevant = items.some(
      (c) => c.action !== "updated" || LISTED.has(c.field) || shown.has(c.ticket_id)
    );
    if (relevant) refresh();
  });
  view.destroy = () => {
    stopKeys();
    sidebar.destroy();
    stopLive();
    refresh.cancel();
    stopTyping();
    if (controller) controller.abort();
  };
  view.update(route);
  return view;
}

/**
 * Search as the person types: search(…) 300 ms after the last key; "#123" jumps to ticket 123
 * after the same pause (or on Enter). Returns the function that cancels what is pending.
 */
function searchAsYouType(input, search) {
  const typed = debounce(search, 300);
  const jump = debounce(() => {
    const match = JUMP.exec(input.value.trim());
    if (match) navigate(`/tickets/${match[1]}`);
  }, 300);
  input.addEventListener("input", () => {
    const q = input.value.trim();
    if (/^#\d*$/.test(q)) typed.cancel();
    else typed();
    if (JUMP.test(q)) jump();
    else jump.cancel();
  });
  return () => {
    typed.cancel();
    jump.cancel();
  };
}
