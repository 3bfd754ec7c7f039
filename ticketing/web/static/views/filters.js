/* The ticket list's filters: the search box and sort in the list's head, a collapsible panel
 * whose every control applies at once (no "Apply" button), and the active filters as removable
 * chips. The same filters (from the hash) narrow the dashboard and are what an export is started
 * with, so filtersFrom() is shared. */

import { $$, clear, el, nextId } from "../dom.js";
import { label, splitList } from "../format.js";
import { agentName, loadPeople, teamName } from "../people.js";
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
  "assignee",
  "team",
  "language",
  "sla",
];
/** The filters chosen with checkboxes (several values, comma-separated in the hash). */
const CHECKED = ["status", "category", "priority", "sentiment", "sla"];
/** Filters typed as one value (a chip each). */
const TYPED = [
  ["requester", "Requester"],
  ["created_from", "Created from"],
  ["created_to", "Created before"],
];
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
  ["next_due_at", "Due soonest"],
];
const PER_PAGE = ["10", "25", "50", "100"];
/** Whether the panel was left open (kept across visits in this browser). */
const PANEL_KEY = "ticketing.filtersOpen";

/** The filters present in params, as the object the API takes ({status: "open,closed", …}). */
export function filtersFrom(params) {
  const out = {};
  for (const k of FILTER_KEYS) {
    const v = params.get(k);
    if (v !== null && v !== "") out[k] = v;
  }
  return out;
}

function valueText(name, value) {
  return name === "category" && value === vocab.unclassified ? "Unclassified" : label(value);
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
        el("label", { for: id }, valueText(name, v))
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
      placeholder: "Search subject, body, requester, or #123",
    }),
    tag: el("input", { type: "text", name: "tag", placeholder: "e.g. refund, vip" }),
    requester: el("input", { type: "email", name: "requester", placeholder: "name@example.com" }),
    createdFrom: el("input", { type: "date", name: "created_from" }),
    createdTo: el("input", { type: "date", name: "created_to" }),
    // Filled with the agents and teams once they are known (people.js).
    assignee: select(OWNER_CHOICES.assignee, "", { name: "assignee" }),
    team: select(OWNER_CHOICES.team, "", { name: "team" }),
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

/** The owner filters' fixed choices (the API's assignee=me|none|<id>, team=none|<id>). */
const OWNER_CHOICES = {
  assignee: [
    ["", "Anyone"],
    ["me", "Me"],
    ["none", "Unassigned"],
  ],
  team: [
    ["", "Any team"],
    ["none", "No team"],
  ],
};
const OWNER_KEYS = [
  ["assignee", "Assignee"],
  ["team", "Team"],
];

/** What a person calls an owner filter's value ("Me", "Unassigned", "Ana Lopez", "Billing"). */
function ownerText(key, value) {
  const fixed = OWNER_CHOICES[key].find(([v]) => v === value);
  if (fixed) return fixed[1];
  return splitList(value)
    .map((v) => (key === "assignee" ? agentName(v) : teamName(v)))
    .join(" or ");
}

/** Give the owner menus their agents and teams; a value in the hash that is none of them
 * (a saved view's "3,5") gets an option of its own, so it is shown and kept. */
function fillOwners(c, people) {
  const add = (control, options) => {
    for (const [value, text] of options) {
      if (![...control.options].some((o) => o.value === value)) {
        control.appendChild(el("option", { value }, text));
      }
    }
  };
  if (people) {
    add(c.assignee, people.agents.map((a) => [String(a.id), a.away ? `${a.name} (away)` : a.name]));
    add(c.team, people.teams.map((t) => [String(t.id), t.name]));
  }
}

function showOwner(control, key, value) {
  if (value && ![...control.options].some((o) => o.value === value)) {
    control.appendChild(el("option", { value }, ownerText(key, value)));
  }
  control.value = value || "";
}

/** A control with its label read by screen readers only (the list's head is one line). */
function compact(labelText, control) {
  if (!control.id) control.id = nextId("f");
  return el(
    "span",
    { class: "compact-field" },
    el("label", { for: control.id, class: "visually-hidden" }, labelText),
    control
  );
}

function panelBody(c, onClear) {
  return el(
    "div",
    { class: "filters-panel", id: "filters-panel" },
    el(
      "div",
      { class: "filters-grid" },
      checks("status", vocab.statuses, "Status"),
      checks("category", [...vocab.categories, vocab.unclassified], "Category"),
      checks("priority", vocab.priorities, "Priority"),
      checks("sentiment", vocab.sentiments, "Sentiment"),
      checks("sla", vocab.slaFilters, "SLA"),
      el(
        "div",
        { class: "filters-fields" },
        field("Tags", c.tag, { hint: "Comma-separated; any of them", name: "tag" }),
        field("Assignee", c.assignee, { name: "assignee" }),
        field("Team", c.team, { name: "team" }),
        field("Requester email", c.requester, { name: "requester" }),
        field("Note", c.note, { name: "has_note" }),
        field("Created from", c.createdFrom, { name: "created_from" }),
        field("Created before", c.createdTo, { name: "created_to" })
      )
    ),
    el(
      "div",
      { class: "filters-actions" },
      el("button", { type: "button", class: "btn btn-small", onclick: onClear }, "Clear filters")
    )
  );
}

/** The active filters of params as [key, value, text] (one per checked value or tag). */
function activeFilters(params) {
  const out = [];
  const names = { status: "Status", category: "Category", priority: "Priority", sentiment: "Sentiment", sla: "SLA" };
  for (const name of CHECKED) {
    for (const v of splitList(params.get(name) || "")) {
      out.push([name, v, `${names[name]}: ${valueText(name, v)}`]);
    }
  }
  for (const t of splitList(params.get("tag") || "")) out.push(["tag", t, `Tag: ${t}`]);
  for (const [key, text] of OWNER_KEYS) {
    const v = params.get(key);
    if (v) out.push([key, v, `${text}: ${ownerText(key, v)}`]);
  }
  const note = params.get("has_note");
  if (note) out.push(["has_note", note, note === "true" ? "Has a note" : "No note"]);
  for (const [key, text] of TYPED) {
    const v = params.get(key);
    if (v) out.push([key, v, `${text}: ${v}`]);
  }
  return out;
}

/** params without one filter value (the others of a several-valued filter stay). */
function without(params, key, value) {
  const p = new URLSearchParams(params);
  const rest = splitList(p.get(key) || "").filter((v) => v !== value);
  if (rest.length && (CHECKED.includes(key) || key === "tag")) p.set(key, rest.join(","));
  else p.delete(key);
  p.delete("page");
  return p;
}

/**
 * The filters. onApply(params?) runs whenever a control changes (with the params to show, or
 * none for "what the form says"); onClear() on "Clear filters". Returns {head (search, sort,
 * rows, the panel's toggle), panel, chips, search, sync(params, keepSearch), params()}.
 */
export function filterForm({ onApply, onClear }) {
  const c = controls();
  let shown = null; // the params last shown (again once the agents and teams are known)
  const panel = panelBody(c, onClear);
  const toggle = el(
    "button",
    {
      type: "button",
      class: "btn btn-small filters-toggle",
      id: "filters-toggle",
      "aria-controls": panel.id,
      "aria-expanded": "false",
    },
    "Filters"
  );
  const chips = el("div", { class: "filter-chips", id: "filter-chips", "aria-label": "Active filters" });
  const head = el(
    "form",
    {
      class: "list-search",
      role: "search",
      onsubmit: (e) => {
        e.preventDefault();
        onApply();
      },
    },
    compact("Search", c.search),
    toggle,
    compact("Sort by", c.sort),
    compact("Rows", c.perPage)
  );

  function showPanel(open) {
    panel.hidden = !open;
    toggle.setAttribute("aria-expanded", String(open));
    localStorage.setItem(PANEL_KEY, open ? "1" : "");
  }
  toggle.addEventListener("click", () => showPanel(panel.hidden));
  showPanel(Boolean(localStorage.getItem(PANEL_KEY)));

  // Every control applies at once: boxes and menus on change, typed fields when left or Enter.
  panel.addEventListener("change", () => onApply());
  panel.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && e.target.tagName === "INPUT") {
      e.preventDefault();
      onApply();
    }
  });
  c.sort.addEventListener("change", () => onApply());
  c.perPage.addEventListener("change", () => onApply());
  const boxes = (name) => $$(`input[name="${name}"]`, panel);
  const dates = [
    [c.createdFrom, "created_from"],
    [c.createdTo, "created_to"],
  ];

  function renderChips(params) {
    clear(chips);
    const active = activeFilters(params);
    for (const [key, value, text] of active) {
      chips.appendChild(
        el(
          "span",
          { class: "filter-chip", dataset: { filter: key, value } },
          el("span", null, text),
          el(
            "button",
            {
              type: "button",
              class: "chip-remove",
              "aria-label": `Remove filter ${text}`,
              title: "Remove this filter",
              onclick: () => onApply(without(params, key, value)),
            },
            "×"
          )
        )
      );
    }
    if (active.length > 1) {
      chips.appendChild(
        el("button", { type: "button", class: "btn btn-ghost btn-small", onclick: onClear }, "Clear all")
      );
    }
    chips.hidden = active.length === 0;
    toggle.textContent = active.length ? `Filters (${active.length})` : "Filters";
  }

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
    showOwner(c.assignee, "assignee", params.get("assignee"));
    showOwner(c.team, "team", params.get("team"));
    shown = params;
    c.requester.value = params.get("requester") || "";
    for (const [input, key] of dates) input.value = params.get(key) || "";
    c.note.value = params.get("has_note") || "";
    c.sort.value = params.get("sort") || DEFAULT_SORT;
    c.perPage.value = params.get("per_page") || DEFAULT_PER_PAGE;
    renderChips(params);
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
    if (c.assignee.value) p.set("assignee", c.assignee.value);
    if (c.team.value) p.set("team", c.team.value);
    if (c.requester.value.trim()) p.set("requester", c.requester.value.trim());
    if (c.note.value) p.set("has_note", c.note.value);
    for (const [input, key] of dates) if (input.value) p.set(key, input.value);
    if (c.sort.value !== DEFAULT_SORT) p.set("sort", c.sort.value);
    if (c.perPage.value !== DEFAULT_PER_PAGE) p.set("per_page", c.perPage.value);
    return p;
  }

  // The agents and teams arrive after the first paint: then the menus and chips use names.
  loadPeople()
    .then((people) => {
      fillOwners(c, people);
      if (shown) sync(shown, true);
    })
    .catch(() => {}); // an older server without teams: the fixed choices only

  return { head, panel, chips, search: c.search, sync, params };
}
