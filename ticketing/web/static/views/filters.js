/* The ticket list's filter form. The same filters (from the hash) narrow the dashboard and are
 * what an export is started with, so filtersFrom() is shared. */

import { $, $$, el, nextId } from "../dom.js";
import { label, splitList } from "../format.js";
import { field, select } from "../ui.js";
import { vocab } from "../vocab.js";

/** Every filter the list API takes, in the order they are posted. */
const FILTER_KEYS = [
  "status",
  "category",
  "priority",
  "sentiment",
  "tag",
  "has_note",
  "requester",
  "created_from",
  "created_to",
  "q",
];
/** The filters chosen with checkboxes (several values, comma-separated in the hash). */
const CHECKED = ["status", "category", "priority", "sentiment"];
export const DEFAULT_SORT = "-created_at";
export const DEFAULT_PER_PAGE = "25";
const SORTS = [
  ["-created_at", "Newest first"],
  ["created_at", "Oldest first"],
  ["-updated_at", "Recently updated"],
  ["updated_at", "Least recently updated"],
  ["-priority", "Priority: high to low"],
  ["priority", "Priority: low to high"],
  ["-urgency_score", "Urgency: high to low"],
  ["urgency_score", "Urgency: low to high"],
];
const PER_PAGE = ["10", "25", "50", "100"];

/** The filters present in params, as the object the API takes ({status: "open,closed", …}). */
export function filtersFrom(params) {
  const out = {};
  for (const k of FILTER_KEYS) {
    const v = params.get(k);
    if (v !== null && v !== "") out[k] = v;
  }
  return out;
}

function checks(name, values, legend) {
  return el(
    "fieldset",
    { class: "checks", dataset: { filter: name } },
    el("legend", null, legend),
    values.map((v) => {
      const id = nextId("chk");
      return el(
        "span",
        { class: "check" },
        el("input", { type: "checkbox", id, name, value: v }),
        el("label", { for: id }, v === vocab.unclassified ? "Unclassified" : label(v))
      );
    })
  );
}

function controls() {
  return {
    search: el("input", {
      type: "search",
      id: "search",
      name: "q",
      autocomplete: "off",
      placeholder: "Search subject and body, or #123",
    }),
    tag: el("input", { type: "text", name: "tag", placeholder: "e.g. refund, vip" }),
    requester: el("input", { type: "email", name: "requester", placeholder: "name@example.com" }),
    createdFrom: el("input", { type: "date", name: "created_from" }),
    createdTo: el("input", { type: "date", name: "created_to" }),
    note: select(
      [
        ["", "Any"],
        ["true", "Has a note"],
        ["false", "No note"],
      ],
      "",
      { name: "has_note" }
    ),
    sort: select(SORTS, DEFAULT_SORT, { name: "sort" }),
    perPage: select(
      PER_PAGE.map((n) => [n, `${n} per page`]),
      DEFAULT_PER_PAGE,
      { name: "per_page" }
    ),
  };
}

function moreFilters(c, onClear) {
  return el(
    "details",
    { class: "more-filters" },
    el("summary", null, "Filters"),
    el(
      "div",
      { class: "filters-grid" },
      checks("status", vocab.statuses, "Status"),
      checks("category", [...vocab.categories, vocab.unclassified], "Category"),
      checks("priority", vocab.priorities, "Priority"),
      checks("sentiment", vocab.sentiments, "Sentiment"),
      el(
        "div",
        { class: "filters-fields" },
        field("Tags", c.tag, { hint: "Comma-separated; any of them", name: "tag" }),
        field("Requester email", c.requester, { name: "requester" }),
        field("Note", c.note, { name: "has_note" }),
        field("Created from", c.createdFrom, { name: "created_from" }),
        field("Created to", c.createdTo, { name: "created_to" })
      )
    ),
    el(
      "div",
      { class: "filters-actions" },
      el("button", { type: "submit", class: "btn btn-primary" }, "Apply filters"),
      el("button", { type: "button", class: "btn", onclick: onClear }, "Clear filters")
    )
  );
}

/**
 * The filter form. onApply() runs on submit and when the sort or page size changes; onClear()
 * on "Clear filters". Returns {form, search, sync(params, keepSearch), params()}.
 */
export function filterForm({ onApply, onClear }) {
  const c = controls();
  const form = el(
    "form",
    {
      class: "filters",
      role: "search",
      onsubmit: (e) => {
        e.preventDefault();
        onApply();
      },
    },
    el(
      "div",
      { class: "filters-row" },
      field("Search", c.search, { className: "grow" }),
      field("Sort by", c.sort),
      field("Rows", c.perPage)
    ),
    moreFilters(c, onClear)
  );
  c.sort.addEventListener("change", () => onApply());
  c.perPage.addEventListener("change", () => onApply());
  const boxes = (name) => $$(`input[name="${name}"]`, form);
  const dates = [
    [c.createdFrom, "created_from"],
    [c.createdTo, "created_to"],
  ];

  /** Show params in the form (keepSearch leaves what is being typed in the search box). */
  function sync(params, keepSearch = false) {
    if (!keepSearch) c.search.value = params.get("q") || "";
    for (const name of CHECKED) {
      const chosen = (params.get(name) || "").split(",");
      boxes(name).forEach((box) => {
        box.checked = chosen.includes(box.value);
      });
    }
    c.tag.value = params.get("tag") || "";
    c.requester.value = params.get("requester") || "";
    for (const [input, key] of dates) input.value = params.get(key) || "";
    c.note.value = params.get("has_note") || "";
    c.sort.value = params.get("sort") || DEFAULT_SORT;
    c.perPage.value = params.get("per_page") || DEFAULT_PER_PAGE;
    const active = FILTER_KEYS.filter((k) => k !== "q" && params.get(k)).length;
    $("summary", form).textContent = active ? `Filters (${active})` : "Filters";
  }

  /** What the form says, as hash params (defaults left out). */
  function params() {
    const p = new URLSearchParams();
    const q = c.search.value.trim();
    if (q) p.set("q", q);
    for (const name of CHECKED) {
      const values = boxes(name)
        .filter((box) => box.checked)
        .map((box) => box.value);
      if (values.length) p.set(name, values.join(","));
    }
    const tags = splitList(c.tag.value);
    if (tags.length) p.set("tag", tags.join(","));
    if (c.requester.value.trim()) p.set("requester", c.requester.value.trim());
    if (c.note.value) p.set("has_note", c.note.value);
    for (const [input, key] of dates) if (input.value) p.set(key, input.value);
    if (c.sort.value !== DEFAULT_SORT) p.set("sort", c.sort.value);
    if (c.perPage.value !== DEFAULT_PER_PAGE) p.set("per_page", c.perPage.value);
    return p;
  }

  return { form, search: c.search, sync, params };
}
