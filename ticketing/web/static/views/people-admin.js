/* #/people — users and teams, for admins (GET/POST/PATCH /api/users, /api/teams): add a
 * person with a first password (shown once when generated), change their role, disable or
 * enable them, reset their password; add a team, set its members and its lead (who gets
 * breached tickets when an SLA policy says so). Roles come from the vocabulary. */

import { api, errorText, listOf } from "../api.js";
import { clear, el } from "../dom.js";
import { label } from "../format.js";
import { loadPeople } from "../people.js";
import { errorBox, field, heading, select, setFieldErrors, showError, showFormError, toast } from "../ui.js";
import { vocab } from "../vocab.js";

const NO_LEAD = "";

/** A password a person can type once and change: 20 characters from the browser's CSPRNG. */
function generatedPassword() {
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  const bytes = crypto.getRandomValues(new Uint8Array(20));
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
}

/* ---------- users ---------- */

function userForm(onSaved) {
  const email = el("input", { type: "email", name: "email", required: true, autocomplete: "off" });
  const name = el("input", { type: "text", name: "name", required: true, maxlength: "120" });
  const usual = vocab.roles.find((r) => r !== vocab.adminRole) || vocab.roles[0];
  const role = select(vocab.roles, usual, { name: "role" });
  const password = el("input", { type: "text", name: "password", required: true, minlength: "12", autocomplete: "off" });
  const generate = el("button", { type: "button", class: "btn btn-small" }, "Generate");
  const errors = errorBox();
  const save = el("button", { type: "submit", class: "btn btn-primary" }, "Add user");
  const form = el(
    "form",
    { class: "card form", id: "user-form", novalidate: true },
    el("h2", null, "Add a person"),
    el(
      "div",
      { class: "form-grid" },
      field("E-mail", email, { name: "email" }),
      field("Name", name, { name: "name" }),
      field("Role", role, { name: "role" }),
      field("First password", password, { name: "password", hint: "At least 12 characters; give it to them, they change it." })
    ),
    el("div", { class: "form-actions" }, generate),
    errors,
    el("div", { class: "form-actions" }, save)
  );
  generate.addEventListener("click", () => {
    password.value = generatedPassword();
  });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    save.disabled = true;
    try {
      await api("POST", "/api/users", { email: email.value, name: name.value, role: role.value, password: password.value });
    } catch (err) {
      showFormError(form, errors, err);
      return;
    } finally {
      save.disabled = false;
    }
    toast(`${name.value} added.`, "ok");
    form.reset();
    role.value = usual;
    setFieldErrors(form, {});
    showError(errors, "");
    onSaved();
  });
  return form;
}

function userRow(u, onChange) {
  const role = select(vocab.roles, u.role, { name: "role", "aria-label": `Role of ${u.name}` });
  role.addEventListener("change", () => onChange(u, { role: role.value }, `${u.name} is now ${label(role.value)}.`));
  const toggle = el(
    "button",
    { type: "button", class: "btn btn-small", onclick: () => onChange(u, { active: !u.active }, `${u.name} ${u.active ? "disabled" : "enabled"}.`) },
    u.active ? "Disable" : "Enable"
  );
  const reset = el("button", { type: "button", class: "btn btn-small" }, "Reset password");
  const shown = el("code", { class: "new-password", hidden: true });
  reset.addEventListener("click", async () => {
    const fresh = generatedPassword();
    if (await onChange(u, { password: fresh }, `${u.name}'s password was reset; their sessions ended.`, true)) {
      shown.textContent = fresh;
      shown.hidden = false;
      shown.title = "Shown once: give it to them";
    }
  });
  return el(
    "tr",
    { dataset: { id: u.id, active: String(u.active) }, class: u.active ? null : "row-disabled" },
    el("th", { scope: "row" }, u.name),
    el("td", null, u.email),
    el("td", null, role),
    el("td", null, u.active ? "Active" : "Disabled"),
    el("td", { class: "row-actions" }, toggle, reset, shown)
  );
}

/* ---------- teams ---------- */

function teamEditor(team, users, onSaved) {
  const active = users.filter((u) => u.active);
  const boxes = active.map((u) =>
    el(
      "label",
      { class: "check" },
      el("input", { type: "checkbox", name: "member", value: String(u.id), checked: team.members.some((m) => m.id === u.id) }),
      ` ${u.name}`
    )
  );
  const lead = select([[NO_LEAD, "No lead"], ...active.map((u) => [String(u.id), u.name])], team.lead_id ? String(team.lead_id) : NO_LEAD, {
    name: "lead_id",
    "aria-label": `Lead of ${team.name}`,
  });
  const errors = errorBox();
  const save = el("button", { type: "submit", class: "btn btn-small btn-primary" }, "Save team");
  const form = el(
    "form",
    { class: "card team-card", dataset: { team: team.id }, novalidate: true },
    el("h3", null, team.name),
    el("fieldset", { class: "checks", dataset: { field: "member_ids" } }, el("legend", null, "Members"), boxes),
    field("Lead", lead, { name: "lead_id", hint: "Gets breached tickets when an SLA policy escalates to the lead" }),
    errors,
    el("div", { class: "form-actions" }, save)
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const memberIds = Array.from(form.querySelectorAll('input[name="member"]:checked'), (b) => Number(b.value));
    const body = { member_ids: memberIds, lead_id: lead.value ? Number(lead.value) : null };
    save.disabled = true;
    try {
      await api("PATCH", `/api/teams/${team.id}`, body);
    } catch (err) {
      showFormError(form, errors, err);
      return;
    } finally {
      save.disabled = false;
    }
    toast(`${team.name} saved.`, "ok");
    onSaved();
  });
  return form;
}

function teamForm(onSaved) {
  const name = el("input", { type: "text", name: "name", required: true, maxlength: "80" });
  const mode = select(vocab.assignmentModes, vocab.assignmentModes[0], { name: "assignment" });
  const errors = errorBox();
  const save = el("button", { type: "submit", class: "btn btn-primary" }, "Add team");
  const form = el(
    "form",
    { class: "card form", id: "team-form", novalidate: true },
    el("h2", null, "Add a team"),
    el("div", { class: "form-grid" }, field("Team name", name, { name: "name" }), field("Hand out tickets", mode, { name: "assignment" })),
    errors,
    el("div", { class: "form-actions" }, save)
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    save.disabled = true;
    try {
      await api("POST", "/api/teams", { name: name.value, assignment: mode.value });
    } catch (err) {
      showFormError(form, errors, err);
      return;
    } finally {
      save.disabled = false;
    }
    toast(`Team ${name.value} added.`, "ok");
    form.reset();
    onSaved();
  });
  return form;
}

/* ---------- the view ---------- */

export function peopleAdminView(main) {
  const errors = errorBox();
  const usersBox = el("div", { class: "table-wrap" });
  const teamsBox = el("div", { class: "team-cards" });
  const userFormBox = el("div");
  const teamFormBox = el("div");
  main.appendChild(
    el(
      "section",
      { class: "view view-people" },
      heading("Users and teams"),
      errors,
      el("h2", null, "Users"),
      usersBox,
      userFormBox,
      el("h2", null, "Teams"),
      teamsBox,
      teamFormBox
    )
  );
  let alive = true;

  /** PATCH a user; true when it went through. */
  async function change(u, body, done, quiet = false) {
    try {
      await api("PATCH", `/api/users/${u.id}`, body);
    } catch (err) {
      toast(`Not changed — ${errorText(err)}`, "error");
      load();
      return false;
    }
    toast(done, "ok");
    if (!quiet) load();
    return true;
  }

  async function load() {
    let users;
    let teams;
    try {
      [users, teams] = await Promise.all([api("GET", "/api/users?per_page=100"), api("GET", "/api/teams")]);
    } catch (err) {
      if (alive) showError(errors, errorText(err));
      return;
    }
    if (!alive) return;
    users = listOf(users);
    teams = listOf(teams);
    loadPeople(true).catch(() => {}); // the menus elsewhere see the change
    clear(usersBox).appendChild(
      el(
        "table",
        { class: "admin-table", id: "users-table" },
        el("thead", null, el("tr", null, ["Name", "E-mail", "Role", "State", ""].map((h) => el("th", { scope: "col" }, h)))),
        el("tbody", null, users.map((u) => userRow(u, change)))
      )
    );
    if (!userFormBox.firstChild) userFormBox.appendChild(userForm(load));
    clear(teamsBox).append(...teams.map((t) => teamEditor(t, users, load)));
    if (!teams.length) teamsBox.appendChild(el("p", { class: "muted" }, "No teams yet."));
    if (!teamFormBox.firstChild) teamFormBox.appendChild(teamForm(load));
  }
  load();
  return {
    destroy() {
      alive = false;
    },
  };
}
