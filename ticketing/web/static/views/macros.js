/* #/macros — canned replies with actions (the /api/macros API): yours and the shared ones in a
 * table, a form to add one or change the one picked with "Edit" (its owner or an admin may).
 * Statuses, priorities and the people come from the vocabulary and the server. */

import { api, errorText, listOf, session } from "../api.js";
import { clear, el } from "../dom.js";
import { label, splitList } from "../format.js";
import { loadPeople } from "../people.js";
import {
  confirmedTwice,
  errorBox,
  field,
  heading,
  select,
  setFieldErrors,
  showError,
  showFormError,
  toast,
} from "../ui.js";
import { vocab } from "../vocab.js";

const KEEP = ""; // a menu's "leave as it is"
const NOBODY = "-"; // the API's null: nobody / no team

const PLACEHOLDERS = "{requester_name}, {ticket_id}, {subject}, {agent_name}";

function actionsText(actions, people) {
  const a = actions || {};
  const name = (list, id) => (id === null ? "nobody" : (list.find((x) => x.id === id) || {}).name || `#${id}`);
  const parts = [];
  if (a.status) parts.push(`status ${label(a.status)}`);
  if ("priority" in a) parts.push(`priority ${label(a.priority)}`);
  if ("assignee_id" in a) parts.push(`assignee ${name(people.agents, a.assignee_id)}`);
  if ("team_id" in a) parts.push(`team ${name(people.teams, a.team_id)}`);
  if (a.tags_add && a.tags_add.length) parts.push(`+tags ${a.tags_add.join(", ")}`);
  if (a.tags_remove && a.tags_remove.length) parts.push(`−tags ${a.tags_remove.join(", ")}`);
  return parts.join("; ") || "—";
}

function macroForm(people, onSaved) {
  const c = {
    name: el("input", { type: "text", name: "name", maxlength: "80", required: true }),
    body: el("textarea", { name: "body", rows: "5" }),
    internal: el("input", { type: "checkbox", name: "internal" }),
    shared: el("input", { type: "checkbox", name: "shared" }),
    status: select([[KEEP, "Leave as it is"], ...vocab.statuses], KEEP, { name: "status" }),
    priority: select([[KEEP, "Leave as it is"], ...vocab.priorities], KEEP, { name: "priority" }),
    assignee: select(
      [[KEEP, "Leave as it is"], [NOBODY, "Nobody"], ...people.agents.map((a) => [String(a.id), a.name])],
      KEEP,
      { name: "assignee_id" }
    ),
    team: select(
      [[KEEP, "Leave as it is"], [NOBODY, "No team"], ...people.teams.map((t) => [String(t.id), t.name])],
      KEEP,
      { name: "team_id" }
    ),
    tagsAdd: el("input", { type: "text", name: "tags_add", placeholder: "e.g. refund" }),
    tagsRemove: el("input", { type: "text", name: "tags_remove" }),
  };
  let editing = null;
  const title = el("h2", null, "New macro");
  const errors = errorBox();
  const save = el("button", { type: "submit", class: "btn btn-primary" }, "Add macro");
  const cancel = el("button", { type: "button", class: "btn", hidden: true }, "Cancel");
  const form = el(
    "form",
    { class: "card form", id: "macro-form", novalidate: true },
    title,
    field("Name", c.name, { name: "name" }),
    field("Reply", c.body, { name: "body", hint: `Placeholders: ${PLACEHOLDERS}. Empty: no reply, actions only.` }),
    el("label", { class: "check" }, c.internal, " Post it as an internal note"),
    el(
      "fieldset",
      { class: "macro-actions" },
      el("legend", null, "Then set"),
      el(
        "div",
        { class: "form-grid" },
        field("Status", c.status, { name: "status" }),
        field("Priority", c.priority, { name: "priority" }),
        field("Assignee", c.assignee, { name: "assignee_id" }),
        field("Team", c.team, { name: "team_id" }),
        field("Add tags", c.tagsAdd, { name: "tags_add", hint: "Comma-separated" }),
        field("Remove tags", c.tagsRemove, { name: "tags_remove", hint: "Comma-separated" })
      )
    ),
    el("label", { class: "check" }, c.shared, " Shared: everyone may use it"),
    errors,
    el("div", { class: "form-actions" }, save, cancel)
  );

  function fill(m) {
    editing = m;
    const a = (m && m.actions) || {};
    title.textContent = m ? `Edit macro “${m.name}”` : "New macro";
    save.textContent = m ? "Save macro" : "Add macro";
    cancel.hidden = !m;
    c.name.value = m ? m.name : "";
    c.body.value = m && m.body ? m.body : "";
    c.internal.checked = Boolean(m && m.internal);
    c.shared.checked = Boolean(m && m.shared);
    c.status.value = a.status || KEEP;
    c.priority.value = a.priority || KEEP;
    c.assignee.value = "assignee_id" in a ? (a.assignee_id === null ? NOBODY : String(a.assignee_id)) : KEEP;
    c.team.value = "team_id" in a ? (a.team_id === null ? NOBODY : String(a.team_id)) : KEEP;
    c.tagsAdd.value = (a.tags_add || []).join(", ");
    c.tagsRemove.value = (a.tags_remove || []).join(", ");
    showError(errors, "");
    setFieldErrors(form, {});
    if (m) c.name.focus();
  }

  function actions() {
    const a = {};
    if (c.status.value) a.status = c.status.value;
    if (c.priority.value) a.priority = c.priority.value;
    if (c.assignee.value) a.assignee_id = c.assignee.value === NOBODY ? null : Number(c.assignee.value);
    if (c.team.value) a.team_id = c.team.value === NOBODY ? null : Number(c.team.value);
    const add = splitList(c.tagsAdd.value);
    const remove = splitList(c.tagsRemove.value);
    if (add.length) a.tags_add = add;
    if (remove.length) a.tags_remove = remove;
    return a;
  }

  cancel.addEventListener("click", () => fill(null));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = {
      name: c.name.value,
      body: c.body.value.trim() ? c.body.value : null,
      internal: c.internal.checked,
      shared: c.shared.checked,
      actions: actions(),
    };
    save.disabled = true;
    try {
      if (editing) await api("PATCH", `/api/macros/${editing.id}`, body);
      else await api("POST", "/api/macros", body);
    } catch (err) {
      // A whole-macro message ("needs a reply or an action") is not a field's.
      const fields = { ...(err.fields || {}) };
      const whole = fields._schema ? [].concat(fields._schema) : [];
      delete fields._schema;
      if (!err.fields) showFormError(form, errors, err);
      else showError(errors, [...whole, ...setFieldErrors(form, fields)].join(" "));
      return;
    } finally {
      save.disabled = false;
    }
    toast(editing ? "Macro saved." : "Macro added.", "ok");
    fill(null);
    onSaved();
  });
  fill(null);
  return { form, fill };
}

function macroTable(macros, people, onEdit, onDelete) {
  const me = session.user || {};
  const mayEdit = (m) => m.owner_id === me.id || me.role === vocab.adminRole;
  return el(
    "table",
    { class: "admin-table", id: "macros-table" },
    el("thead", null, el("tr", null, ["Name", "Reply", "Actions", "Shared", ""].map((h) => el("th", { scope: "col" }, h)))),
    el(
      "tbody",
      null,
      macros.map((m) =>
        el(
          "tr",
          { dataset: { id: m.id } },
          el("th", { scope: "row" }, m.name),
          el(
            "td",
            { class: "macro-body" },
            m.body ? [m.internal ? el("span", { class: "muted small" }, "Note: ") : null, m.body] : el("span", { class: "muted" }, "—")
          ),
          el("td", null, actionsText(m.actions, people)),
          el("td", null, m.shared ? "Shared" : "Yours"),
          el(
            "td",
            { class: "row-actions" },
            mayEdit(m)
              ? [
                  el("button", { type: "button", class: "btn btn-small", onclick: () => onEdit(m) }, "Edit"),
                  el("button", { type: "button", class: "btn btn-small", onclick: (e) => onDelete(m, e.currentTarget) }, "Delete"),
                ]
              : null
          )
        )
      )
    )
  );
}

export function macrosView(main) {
  const errors = errorBox();
  const tableBox = el("div", { class: "table-wrap" });
  const formBox = el("div");
  main.appendChild(
    el(
      "section",
      { class: "view view-macros" },
      heading("Macros"),
      el(
        "p",
        { class: "muted" },
        "A macro posts a reply (placeholders filled per ticket) and sets fields in one click — from a ticket's page, or for many tickets from the list's bulk bar."
      ),
      errors,
      tableBox,
      formBox
    )
  );
  let alive = true;
  let people = { agents: [], teams: [] };

  async function remove(m, button) {
    if (!confirmedTwice(button)) return;
    try {
      await api("DELETE", `/api/macros/${m.id}`);
      toast("Macro deleted.", "ok");
    } catch (err) {
      toast(`Not deleted — ${errorText(err)}`, "error");
    }
    load();
  }

  async function load() {
    let macros;
    try {
      [macros, people] = await Promise.all([api("GET", "/api/macros"), loadPeople().catch(() => people)]);
    } catch (err) {
      if (alive) showError(errors, errorText(err));
      return;
    }
    if (!alive) return;
    const form = macroForm(people, load);
    clear(tableBox).appendChild(macroTable(listOf(macros), people, form.fill, remove));
    clear(formBox).appendChild(form.form);
  }
  load();
  return {
    destroy() {
      alive = false;
    },
  };
}
