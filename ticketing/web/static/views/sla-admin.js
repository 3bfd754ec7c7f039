/* #/sla — SLA policies and business calendars, for admins (the /api/sla API): each in a table,
 * a form below to add one or change the one picked with "Edit". Priorities, categories and
 * escalations come from the vocabulary. */

import { api, errorText, listOf } from "../api.js";
import { clear, el } from "../dom.js";
import { label, splitList } from "../format.js";
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
import { fmtSpanLong } from "./sla.js";

const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

function num(name, value) {
  return el("input", { type: "number", name, min: "1", step: "1", required: true, value: value ?? "" });
}

function check(name, on) {
  return el("input", { type: "checkbox", name, checked: Boolean(on) });
}

function text(name, value, extra) {
  return el("input", { type: "text", name, value: value ?? "", ...(extra || {}) });
}

function anyOf(values, value, name, anyText) {
  return select([["", anyText], ...values.map((v) => [v, label(v)])], value ?? "", { name });
}

/* ---------- policies ---------- */

function policyForm(calendars, onSaved) {
  const c = {
    name: text("name", "", { required: true, maxlength: "80" }),
    priority: anyOf(vocab.priorities, null, "priority", "Any priority"),
    category: anyOf(vocab.categories, null, "category", "Any category"),
    calendar: select(calendars.map((cal) => [String(cal.id), cal.name]), "", { name: "calendar_id" }),
    first: num("first_response_minutes"),
    resolution: num("resolution_minutes"),
    pause: check("pause_on_hold", false),
    escalation: select(vocab.slaEscalations, vocab.slaEscalations[0], { name: "escalation" }),
    active: check("active", true),
  };
  let editing = null;
  const title = el("h2", null, "New policy");
  const errors = errorBox();
  const save = el("button", { type: "submit", class: "btn btn-primary" }, "Add policy");
  const cancel = el("button", { type: "button", class: "btn", hidden: true }, "Cancel");
  const form = el(
    "form",
    { class: "card form sla-policy-form", id: "policy-form", novalidate: true },
    title,
    el(
      "div",
      { class: "form-grid" },
      field("Name", c.name, { name: "name" }),
      field("Priority", c.priority, { name: "priority" }),
      field("Category", c.category, { name: "category" }),
      field("Calendar", c.calendar, { name: "calendar_id" }),
      field("First response (business minutes)", c.first, { name: "first_response_minutes" }),
      field("Resolution (business minutes)", c.resolution, { name: "resolution_minutes" }),
      field("On breach", c.escalation, { name: "escalation" })
    ),
    el("label", { class: "check" }, c.pause, " Pause the resolution clock while on hold too"),
    el("label", { class: "check" }, c.active, " Active"),
    errors,
    el("div", { class: "form-actions" }, save, cancel)
  );

  function fill(p) {
    editing = p;
    title.textContent = p ? `Edit policy “${p.name}”` : "New policy";
    save.textContent = p ? "Save policy" : "Add policy";
    cancel.hidden = !p;
    c.name.value = p ? p.name : "";
    c.priority.value = p && p.priority ? p.priority : "";
    c.category.value = p && p.category ? p.category : "";
    c.calendar.value = p ? String(p.calendar_id) : c.calendar.options[0] ? c.calendar.options[0].value : "";
    c.first.value = p ? p.first_response_minutes : "";
    c.resolution.value = p ? p.resolution_minutes : "";
    c.pause.checked = Boolean(p && p.pause_on_hold);
    c.escalation.value = p ? p.escalation : vocab.slaEscalations[0];
    c.active.checked = p ? p.active : true;
    showError(errors, "");
    setFieldErrors(form, {});
  }
  cancel.addEventListener("click", () => fill(null));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = {
      name: c.name.value,
      priority: c.priority.value || null,
      category: c.category.value || null,
      calendar_id: Number(c.calendar.value),
      first_response_minutes: Number(c.first.value),
      resolution_minutes: Number(c.resolution.value),
      pause_on_hold: c.pause.checked,
      escalation: c.escalation.value,
      active: c.active.checked,
    };
    save.disabled = true;
    try {
      if (editing) await api("PATCH", `/api/sla/policies/${editing.id}`, body);
      else await api("POST", "/api/sla/policies", body);
    } catch (err) {
      showFormError(form, errors, err);
      return;
    } finally {
      save.disabled = false;
    }
    toast(editing ? "Policy saved." : "Policy added.", "ok");
    fill(null);
    onSaved();
  });
  fill(null);
  return { form, fill };
}

function policyTable(policies, calendars, onEdit, onDelete) {
  const calendarName = (id) => (calendars.find((cal) => cal.id === id) || {}).name || `#${id}`;
  const minutes = (m) => fmtSpanLong(m * 60);
  return el(
    "table",
    { class: "admin-table", id: "policies-table" },
    el(
      "thead",
      null,
      el(
        "tr",
        null,
        ["Name", "Priority", "Category", "First response", "Resolution", "Calendar", "On breach", "Active", ""].map((h) =>
          el("th", { scope: "col" }, h)
        )
      )
    ),
    el(
      "tbody",
      null,
      policies.map((p) =>
        el(
          "tr",
          { dataset: { id: p.id } },
          el("th", { scope: "row" }, p.name),
          el("td", null, p.priority ? label(p.priority) : "Any"),
          el("td", null, p.category ? label(p.category) : "Any"),
          el("td", null, minutes(p.first_response_minutes)),
          el("td", null, minutes(p.resolution_minutes), p.pause_on_hold ? el("span", { class: "muted small" }, " (pauses on hold)") : null),
          el("td", null, calendarName(p.calendar_id)),
          el("td", null, label(p.escalation)),
          el("td", null, p.active ? "Yes" : "No"),
          el(
            "td",
            { class: "row-actions" },
            el("button", { type: "button", class: "btn btn-small", onclick: () => onEdit(p) }, "Edit"),
            el("button", { type: "button", class: "btn btn-small", onclick: (e) => onDelete(p, e.currentTarget) }, "Delete")
          )
        )
      )
    )
  );
}

/* ---------- calendars ---------- */

function hoursText(hours) {
  return DAYS.filter((d) => (hours || {})[d] && hours[d].length)
    .map((d) => `${label(d)} ${hours[d].join(", ")}`)
    .join("; ");
}

function calendarForm(onSaved) {
  const c = {
    name: text("name", "", { required: true, maxlength: "80" }),
    timezone: text("timezone", "UTC", { placeholder: "Europe/Berlin" }),
    always: check("always_open", false),
    country: text("holiday_country", "", { placeholder: "DE", maxlength: "3" }),
    subdivision: text("holiday_subdivision", "", { placeholder: "BE", maxlength: "16" }),
    custom: text("custom_holidays", "", { placeholder: "2026-12-24, 2026-12-31" }),
  };
  const days = {};
  for (const d of DAYS) days[d] = text(`hours-${d}`, "", { placeholder: "09:00-17:00" });
  let editing = null;
  const title = el("h2", null, "New calendar");
  const errors = errorBox();
  const save = el("button", { type: "submit", class: "btn btn-primary" }, "Add calendar");
  const cancel = el("button", { type: "button", class: "btn", hidden: true }, "Cancel");
  const form = el(
    "form",
    { class: "card form sla-calendar-form", id: "calendar-form", novalidate: true },
    title,
    el(
      "div",
      { class: "form-grid" },
      field("Name", c.name, { name: "name" }),
      field("Time zone", c.timezone, { name: "timezone", hint: "IANA, e.g. Europe/Berlin" }),
      field("Holidays of country", c.country, { name: "holiday_country", hint: "ISO code, e.g. DE" }),
      field("Region", c.subdivision, { name: "holiday_subdivision", hint: "e.g. BE for Berlin" }),
      field("Other days off", c.custom, { name: "custom_holidays", hint: "Dates, comma-separated" })
    ),
    el("label", { class: "check" }, c.always, " Open 24/7 (ignores the hours below)"),
    el(
      "fieldset",
      { class: "hours", dataset: { field: "hours" } },
      el("legend", null, "Working hours (local; empty = closed; several spans comma-separated)"),
      el("div", { class: "form-grid" }, DAYS.map((d) => field(label(d), days[d], { name: `hours.${d}` })))
    ),
    errors,
    el("div", { class: "form-actions" }, save, cancel)
  );

  function fill(cal) {
    editing = cal;
    title.textContent = cal ? `Edit calendar “${cal.name}”` : "New calendar";
    save.textContent = cal ? "Save calendar" : "Add calendar";
    cancel.hidden = !cal;
    c.name.value = cal ? cal.name : "";
    c.timezone.value = cal ? cal.timezone : "UTC";
    c.always.checked = Boolean(cal && cal.always_open);
    c.country.value = (cal && cal.holiday_country) || "";
    c.subdivision.value = (cal && cal.holiday_subdivision) || "";
    c.custom.value = cal ? (cal.custom_holidays || []).join(", ") : "";
    for (const d of DAYS) days[d].value = cal && cal.hours && cal.hours[d] ? cal.hours[d].join(", ") : "";
    showError(errors, "");
    setFieldErrors(form, {});
  }
  cancel.addEventListener("click", () => fill(null));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const hours = {};
    for (const d of DAYS) {
      const spans = splitList(days[d].value);
      if (spans.length) hours[d] = spans;
    }
    const body = {
      name: c.name.value,
      timezone: c.timezone.value.trim() || "UTC",
      hours,
      always_open: c.always.checked,
      holiday_country: c.country.value.trim().toUpperCase() || null,
      holiday_subdivision: c.subdivision.value.trim() || null,
      custom_holidays: splitList(c.custom.value),
    };
    save.disabled = true;
    try {
      if (editing) await api("PATCH", `/api/sla/calendars/${editing.id}`, body);
      else await api("POST", "/api/sla/calendars", body);
    } catch (err) {
      showFormError(form, errors, err);
      return;
    } finally {
      save.disabled = false;
    }
    toast(editing ? "Calendar saved." : "Calendar added.", "ok");
    fill(null);
    onSaved();
  });
  fill(null);
  return { form, fill };
}

function calendarTable(calendars, onEdit, onDelete) {
  return el(
    "table",
    { class: "admin-table", id: "calendars-table" },
    el("thead", null, el("tr", null, ["Name", "Time zone", "Hours", "Holidays", ""].map((h) => el("th", { scope: "col" }, h)))),
    el(
      "tbody",
      null,
      calendars.map((cal) =>
        el(
          "tr",
          { dataset: { id: cal.id } },
          el("th", { scope: "row" }, cal.name),
          el("td", null, cal.timezone),
          el("td", null, cal.always_open ? "24/7" : hoursText(cal.hours) || "—"),
          el(
            "td",
            null,
            [cal.holiday_country ? `${cal.holiday_country}${cal.holiday_subdivision ? `-${cal.holiday_subdivision}` : ""}` : null, ...(cal.custom_holidays || [])]
              .filter(Boolean)
              .join(", ") || "—"
          ),
          el(
            "td",
            { class: "row-actions" },
            el("button", { type: "button", class: "btn btn-small", onclick: () => onEdit(cal) }, "Edit"),
            el("button", { type: "button", class: "btn btn-small", onclick: (e) => onDelete(cal, e.currentTarget) }, "Delete")
          )
        )
      )
    )
  );
}

/* ---------- the view ---------- */

export function slaAdminView(main) {
  const errors = errorBox();
  const policiesBox = el("div", { class: "table-wrap" });
  const calendarsBox = el("div", { class: "table-wrap" });
  const policyFormBox = el("div");
  const calendarFormBox = el("div");
  main.appendChild(
    el(
      "section",
      { class: "view view-sla-admin" },
      heading("SLAs"),
      el(
        "p",
        { class: "muted" },
        "A ticket gets the most specific active policy for its priority and category; targets count business time of the policy's calendar. Changes apply to tickets created or re-prioritised from now on."
      ),
      errors,
      el("h2", null, "Policies"),
      policiesBox,
      policyFormBox,
      el("h2", null, "Business calendars"),
      calendarsBox,
      calendarFormBox
    )
  );
  let alive = true;

  async function remove(kind, row, button) {
    if (!confirmedTwice(button)) return;
    try {
      await api("DELETE", `/api/sla/${kind === "policy" ? "policies" : "calendars"}/${row.id}`);
      toast(`${label(kind)} deleted.`, "ok");
    } catch (err) {
      toast(`Not deleted — ${errorText(err)}`, "error");
    }
    load();
  }

  async function load() {
    let policies;
    let calendars;
    try {
      [policies, calendars] = await Promise.all([api("GET", "/api/sla/policies"), api("GET", "/api/sla/calendars")]);
    } catch (err) {
      if (alive) showError(errors, errorText(err));
      return;
    }
    if (!alive) return;
    showError(errors, "");
    policies = listOf(policies);
    calendars = listOf(calendars);
    const pForm = policyForm(calendars, load);
    const cForm = calendarForm(load);
    clear(policiesBox).appendChild(policyTable(policies, calendars, pForm.fill, (p, button) => remove("policy", p, button)));
    clear(policyFormBox).appendChild(pForm.form);
    clear(calendarsBox).appendChild(calendarTable(calendars, cForm.fill, (cal, button) => remove("calendar", cal, button)));
    clear(calendarFormBox).appendChild(cForm.form);
  }
  load();
  return {
    destroy() {
      alive = false;
    },
  };
}
