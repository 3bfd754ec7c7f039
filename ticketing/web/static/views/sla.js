/* SLAs in the page: the list's due mark (compact, never wraps), the ticket page's clocks card
 * (GET /api/tickets/<id>/sla) and the dashboard's attainment card (GET /api/sla/attainment).
 * Clock names, states and flags come from the vocabulary; nothing here lists them. */

import { api, errorText, notAvailable } from "../api.js";
import { clear, el } from "../dom.js";
import { fmtDate, fmtNumber, label } from "../format.js";
import { vocab } from "../vocab.js";

/** The list's sort "due soonest" (the server's sort key). */
export const DUE_SORT = "next_due_at";

/** A duration in one short unit that never wraps: "45m", "3h", "2d". */
export function fmtSpan(seconds) {
  const s = Math.abs(Number(seconds) || 0);
  if (s < 3600) return `${Math.max(1, Math.floor(s / 60))}m`;
  if (s < 86400 * 2) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

/** The same in words, down to minutes: "2 h 15 min". */
export function fmtSpanLong(seconds) {
  const s = Math.abs(Math.round(Number(seconds) || 0));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const parts = [];
  if (d) parts.push(`${d} d`);
  if (h) parts.push(`${h} h`);
  if (m || !parts.length) parts.push(`${m} min`);
  return parts.join(" ");
}

/**
 * The list cell: time to the next due clock ("in 3h", "2h late") coloured by the ticket's SLA
 * flag; "paused" while the only clock left waits on the customer; "—" without clocks. Wall
 * time to the due instant (the ticket page shows business time left).
 */
export function dueMark(t) {
  const sla = t.sla;
  if (!sla) return el("span", { class: "muted", dataset: { sla: "none" }, title: "No SLA clocks" }, "—");
  if (!sla.next_due_at) {
    const paused = vocab.slaClocks.some((c) => sla[`${c}_state`] === "paused");
    const title = paused ? "Paused: waiting on the customer" : "No clock running";
    return paused
      ? el("span", { class: "sla-mark sla-paused", dataset: { sla: "paused" }, title }, "paused")
      : el("span", { class: "muted", dataset: { sla: "none" }, title }, "—");
  }
  const left = (new Date(sla.next_due_at).getTime() - Date.now()) / 1000;
  const late = left <= 0;
  const what = label(sla.next_due_clock);
  const flag = late ? "breached" : sla.flag;
  const title = late
    ? `${what} overdue by ${fmtSpanLong(left)} (due ${fmtDate(sla.next_due_at)})`
    : `${what} due ${fmtDate(sla.next_due_at)} (in ${fmtSpanLong(left)})`;
  return el(
    "time",
    {
      class: `sla-mark sla-${flag.replace(/_/g, "-")}`,
      datetime: sla.next_due_at,
      dataset: { sla: flag },
      title,
      "aria-label": title,
    },
    late ? `${fmtSpan(left)} late` : `in ${fmtSpan(left)}`
  );
}

/* ---------- the ticket page's clocks ---------- */

/** What a clock's state means now, in words. */
function clockLeft(name, c) {
  if (c.state === "paused") {
    return c.seconds_left === null ? "Paused" : `Paused · ${fmtSpanLong(c.seconds_left)} left`;
  }
  const stopped = name === vocab.slaClocks[0] ? "answered" : "stopped";
  if (c.at) return `${c.state === "met" ? "Met" : "Missed"} · ${stopped} ${fmtDate(c.at)}`;
  if (c.overdue) {
    const late = (Date.now() - new Date(c.due_at).getTime()) / 1000;
    return `Overdue by ${fmtSpanLong(late)}`;
  }
  if (c.seconds_left !== null && c.seconds_left !== undefined) {
    return `${fmtSpanLong(c.seconds_left)} of business time left`;
  }
  return null;
}

function clockRow(name, c) {
  let state = c.state;
  if (c.overdue) state = "overdue"; // past due, before the upkeep marks it breached
  else if (c.at_risk && c.state === "running") state = "at_risk";
  const left = clockLeft(name, c);
  return el(
    "div",
    { class: "sla-clock", dataset: { clock: name, state } },
    el(
      "div",
      { class: "sla-clock-head" },
      el("span", { class: "sla-clock-name" }, label(name)),
      el("span", { class: `sla-state sla-state-${state.replace(/_/g, "-")}` }, label(state))
    ),
    el(
      "p",
      { class: "sla-clock-due small" },
      c.due_at
        ? ["Due ", el("time", { datetime: c.due_at }, fmtDate(c.due_at))]
        : el("span", { class: "muted" }, "No due time while paused")
    ),
    left ? el("p", { class: "sla-clock-left small" }, left) : null
  );
}

/** The ticket page's card: {node, load()}; load() again after a change. */
export function slaCard(ctx) {
  const node = el("article", { class: "card sla-card", id: "sla-card" }, el("h2", null, "SLA"));
  const body = el("div", { class: "sla-body" }, el("p", { class: "muted" }, "Loading…"));
  node.appendChild(body);
  let seq = 0;
  async function load() {
    seq += 1;
    const mine = seq;
    let data;
    try {
      data = await api("GET", `/api/tickets/${ctx.id}/sla`);
    } catch (err) {
      if (mine !== seq) return;
      clear(body).appendChild(
        el("p", { class: "muted" }, err.status === 404 ? "No SLA clocks on this ticket." : errorText(err))
      );
      return;
    }
    if (mine !== seq) return;
    clear(body);
    body.appendChild(
      el("p", { class: "muted small" }, `Policy: ${data.policy_name || "—"}`, data.paused_seconds ? ` · paused ${fmtSpanLong(data.paused_seconds)} so far` : "")
    );
    vocab.slaClocks.forEach((name) => {
      if (data[name]) body.appendChild(clockRow(name, data[name]));
    });
  }
  return { node, load };
}

/* ---------- the dashboard's attainment ---------- */

function pct(row, clock) {
  const value = row[`${clock}_pct`];
  const total = row[`${clock}_total`];
  const text = value === null || value === undefined ? "—" : `${fmtNumber(value)}%`;
  return el(
    "td",
    { class: "num", dataset: { key: clock, value: value === null ? "" : value }, title: `${fmtNumber(row[`${clock}_met`])} met of ${fmtNumber(total)} decided` },
    text,
    el("span", { class: "muted small" }, ` (${fmtNumber(total)})`)
  );
}

function table(caption, rows, nameOf, group) {
  const head = el(
    "tr",
    null,
    el("th", { scope: "col" }, caption),
    vocab.slaClocks.map((c) => el("th", { scope: "col", class: "num" }, `${label(c)} met`))
  );
  const body = rows.map((row) =>
    el(
      "tr",
      { dataset: { group, key: row.key === null ? "" : row.key } },
      el("th", { scope: "row" }, nameOf(row)),
      vocab.slaClocks.map((c) => pct(row, c))
    )
  );
  return el("table", { class: `sla-attainment sla-by-${group}` }, el("thead", null, head), el("tbody", null, body));
}

/** When the figures are for, in words. */
function periodText(period) {
  const from = period.created_from;
  const to = period.created_to;
  if (from && to) return `Tickets created ${from} to ${to}`;
  if (from) return `Tickets created since ${from}`;
  if (to) return `Tickets created before ${to}`;
  return "All tickets";
}

/** The dashboard's card: {node, load(period)}: % met per priority and per team for tickets
 * created in the dashboard's period ({created_from?, created_to?}). */
export function attainmentCard() {
  const when = el("span", { class: "muted small sla-period" });
  const body = el("div", { class: "sla-attainment-body" });
  const node = el(
    "section",
    { class: "card sla-attainment-card", id: "sla-attainment" },
    el("div", { class: "card-head" }, el("h2", null, "SLA attainment"), when),
    body
  );
  let seq = 0;
  async function load(period = {}) {
    seq += 1;
    const mine = seq;
    const query = new URLSearchParams();
    if (period.created_from) query.set("created_from", period.created_from);
    if (period.created_to) query.set("created_to", period.created_to);
    const qs = query.toString();
    let data;
    try {
      data = await api("GET", `/api/sla/attainment${qs ? `?${qs}` : ""}`);
    } catch (err) {
      if (mine !== seq) return;
      clear(body).appendChild(el("p", { class: "muted" }, notAvailable(err) ? "SLAs are not available on this server." : errorText(err)));
      return;
    }
    if (mine !== seq) return;
    when.textContent = periodText(period);
    clear(body);
    const all = data.overall || {};
    body.appendChild(
      el(
        "div",
        { class: "counters sla-overall" },
        vocab.slaClocks.map((c) =>
          el(
            "div",
            { class: "counter", dataset: { key: `sla.${c}`, value: all[`${c}_pct`] ?? "" } },
            el("span", { class: "counter-label" }, `${label(c)} met`),
            el("span", { class: "counter-value" }, all[`${c}_pct`] === null || all[`${c}_pct`] === undefined ? "—" : `${fmtNumber(all[`${c}_pct`])}%`),
            el("span", { class: "muted small" }, `${fmtNumber(all[`${c}_met`] || 0)} of ${fmtNumber(all[`${c}_total`] || 0)} decided`)
          )
        )
      )
    );
    const byPriority = data.by_priority || [];
    const byTeam = data.by_team || [];
    if (!byPriority.length) {
      body.appendChild(el("p", { class: "muted" }, "No clocks decided in this period."));
      return;
    }
    body.appendChild(table("Priority", byPriority, (r) => (r.key ? label(r.key) : "No priority"), "priority"));
    body.appendChild(table("Team", byTeam, (r) => r.key || "No team", "team"));
    body.appendChild(
      el("p", { class: "muted small" }, "Share of clocks met, of those met or breached, for tickets created in the period. Running clocks not yet due are not counted.")
    );
  }
  return { node, load };
}
