/* Bulk edits from the list: a checkbox per row, "select all N matching" (the current filter),
 * and a bar to change status, priority, assignee, team or tags of all of them at once
 * (POST /api/tickets/bulk); a large set runs as a job whose progress is shown until done. */

import { api, errorText } from "../api.js";
import { $$, el, wait } from "../dom.js";
import { fmtNumber, splitList } from "../format.js";
import { loadPeople } from "../people.js";
import { errorBox, select, showError, ticketsChanged, toast } from "../ui.js";
import { vocab } from "../vocab.js";
import { filtersFrom } from "./filters.js";
import { macroPicker } from "./macro-bulk.js";

/** The menus' option for "nobody" / "no team" (the API's null). */
const NOBODY = "-";

/** The checkbox cell of a row (its value is the ticket id). */
export function rowCheck(t) {
  const box = el("input", {
    type: "checkbox",
    class: "row-check",
    value: String(t.id),
    "aria-label": `Select ticket #${t.id}`,
  });
  return el("td", { class: "col-check" }, box);
}

/** The header cell: check or clear every row of the page. */
export function headCheck(onToggle) {
  const box = el("input", { type: "checkbox", id: "check-page", "aria-label": "Select this page" });
  box.addEventListener("change", () => onToggle(box.checked));
  return el("th", { scope: "col", class: "col-check" }, box);
}

/**
 * The bar. opts: {tbody, params() → URLSearchParams of the list, total() → the list's total,
 * onDone() → reload}. Returns {node, sync()} — call sync() after the rows are rendered.
 */
export function bulkBar(opts) {
  let allMatching = false;
  const count = el("span", { class: "bulk-count", id: "bulk-count", "aria-live": "polite" });
  const selectAll = el("button", { type: "button", class: "btn btn-small", id: "select-all-matching" });
  const status = select([["", "Status…"], ...vocab.statuses], "", { name: "bulk-status", "aria-label": "Set status" });
  const priority = select([["", "Priority…"], ...vocab.priorities], "", {
    name: "bulk-priority",
    "aria-label": "Set priority",
  });
  const assignee = select([["", "Assignee…"], [NOBODY, "Nobody"]], "", {
    name: "bulk-assignee",
    "aria-label": "Set assignee",
  });
  const team = select([["", "Team…"], [NOBODY, "No team"]], "", { name: "bulk-team", "aria-label": "Set team" });
  const tagsAdd = el("input", { type: "text", name: "bulk-tags-add", placeholder: "add tags", "aria-label": "Add tags" });
  const tagsRemove = el("input", {
    type: "text",
    name: "bulk-tags-remove",
    placeholder: "remove tags",
    "aria-label": "Remove tags",
  });
  const macro = macroPicker();
  const apply = el("button", { type: "button", class: "btn btn-primary btn-small", id: "bulk-apply" }, "Apply");
  const progress = el("span", { class: "bulk-progress muted", id: "bulk-progress", "aria-live": "polite" });
  const errors = errorBox();
  const node = el(
    "div",
    { class: "bulk-bar", id: "bulk-bar", hidden: true, role: "region", "aria-label": "Bulk edit" },
    count,
    selectAll,
    status,
    priority,
    assignee,
    team,
    tagsAdd,
    tagsRemove,
    macro.node,
    apply,
    progress,
    errors
  );

  loadPeople()
    .then(({ agents, teams }) => {
      agents.forEach((a) => assignee.appendChild(el("option", { value: String(a.id) }, a.name)));
      teams.forEach((t) => team.appendChild(el("option", { value: String(t.id) }, t.name)));
    })
    .catch(() => {});

  const checked = () => $$(".row-check", opts.tbody).filter((b) => b.checked);

  function sync() {
    const ids = checked();
    const rows = $$(".row-check", opts.tbody).length;
    node.hidden = ids.length === 0;
    const total = opts.total();
    if (allMatching) {
      count.textContent = `All ${fmtNumber(total)} matching tickets selected`;
      selectAll.textContent = "Select only these";
    } else {
      count.textContent = `${ids.length} selected`;
      selectAll.textContent = `Select all ${fmtNumber(total)} matching`;
    }
    selectAll.hidden = !allMatching && (ids.length < rows || total <= rows);
  }

  opts.tbody.addEventListener("change", (e) => {
    if (e.target.classList.contains("row-check")) {
      if (!e.target.checked) allMatching = false;
      sync();
    }
  });
  selectAll.addEventListener("click", () => {
    allMatching = !allMatching;
    sync();
  });

  function changes() {
    const c = {};
    if (status.value) c.status = status.value;
    if (priority.value) c.priority = priority.value;
    if (assignee.value) c.assignee_id = assignee.value === NOBODY ? null : Number(assignee.value);
    if (team.value) c.team_id = team.value === NOBODY ? null : Number(team.value);
    const add = splitList(tagsAdd.value);
    const remove = splitList(tagsRemove.value);
    if (add.length) c.tags_add = add;
    if (remove.length) c.tags_remove = remove;
    return c;
  }

  async function follow(job) {
    let current = job;
    while (current.status === "queued" || current.status === "running") {
      progress.textContent = `${fmtNumber(current.done)} of ${fmtNumber(current.total)} done…`;
      await wait(1000);
      current = await api("GET", current.status_url);
    }
    return current;
  }

  apply.addEventListener("click", async () => {
    showError(errors, "");
    const wanted = changes();
    if (!Object.keys(wanted).length && !macro.chosen()) {
      showError(errors, "Choose a change first.");
      return;
    }
    const selection = allMatching ? { filter: filtersFrom(opts.params()) } : { ids: checked().map((b) => Number(b.value)) };
    apply.disabled = true;
    try {
      if (Object.keys(wanted).length) {
        const done = await follow(await api("POST", "/api/tickets/bulk", { ...selection, changes: wanted }));
        if (done.status === "failed") throw new Error(done.error || "failed");
        toast(`${fmtNumber(done.changed)} of ${fmtNumber(done.total)} tickets changed.`, "ok");
      }
      if (macro.chosen()) {
        const done = await macro.applyTo(selection);
        toast(`Macro applied to ${fmtNumber(done.applied)} of ${fmtNumber(done.total)} tickets.`, "ok");
        macro.reset();
      }
      progress.textContent = "";
      [status, priority, assignee, team].forEach((s) => {
        s.value = "";
      });
      tagsAdd.value = "";
      tagsRemove.value = "";
      allMatching = false;
      ticketsChanged();
      opts.onDone();
    } catch (err) {
      progress.textContent = "";
      showError(errors, `Not applied — ${errorText(err)}`);
    } finally {
      apply.disabled = false;
    }
  });

  return { node, sync, reset: () => (allMatching = false) };
}
