/* The dashboard's Claude card, from GET /api/classification/claude: a configuration fault
 * shown loudly (the API refuses the set-up, so every ticket gets the local classifier's
 * answer until it is fixed), the monthly budget, and what Claude cost per ticket and month. */

import { el } from "../dom.js";
import { fmtDate, fmtNumber, label } from "../format.js";

function usd(value) {
  if (value === null || value === undefined) return "—";
  const n = Number(value);
  if (!Number.isFinite(n)) return "—";
  return `$${n < 1 ? n.toFixed(4) : n.toFixed(2)}`;
}

function item(key, title, value, text) {
  return el(
    "div",
    { class: "counter", dataset: { key: `claude.${key}`, value: value === null || value === undefined ? "" : value } },
    el("span", { class: "counter-label" }, title),
    el("span", { class: "counter-value" }, text)
  );
}

function banner(c) {
  if (c.status === "fault" && c.fault) {
    const f = c.fault;
    return el(
      "div",
      { class: "error-box claude-fault", role: "alert", dataset: { key: "claude.fault" } },
      el("strong", null, `Claude is misconfigured: HTTP ${f.status} ${f.type}. `),
      `${f.message} — since ${fmtDate(f.since)}, ${fmtNumber(f.count)} request(s) refused. `,
      "Every ticket gets the local classifier's answer until this is fixed; those tickets are ",
      "triaged by Claude again once it is."
    );
  }
  if (c.status === "circuit_open" && c.breaker) {
    const b = c.breaker;
    return el(
      "div",
      { class: "error-box claude-breaker", role: "alert", dataset: { key: "claude.breaker" } },
      el("strong", null, `Claude is not answering: ${fmtNumber(b.failures)} calls failed in a row. `),
      `Triage and suggestions use the local classifier until ${fmtDate(b.until)}, then one call `,
      `tries Claude again.${b.last_error ? ` Last error: ${b.last_error}` : ""}`
    );
  }
  if (c.status === "budget_exhausted") {
    return el(
      "div",
      { class: "error-box claude-budget", role: "status", dataset: { key: "claude.budget" } },
      `Claude's monthly budget (${usd(c.budget.monthly_usd)}) is spent: the local classifier `,
      `answers until ${fmtDate(c.budget.resets_at)}.`
    );
  }
  if (c.status === "disabled") {
    return el("p", { class: "muted" }, "Claude is off (no ANTHROPIC_API_KEY): the local classifier answers.");
  }
  return null;
}

function byMonth(rows) {
  return el(
    "table",
    { class: "claude-months" },
    el("thead", null, el("tr", null, ["Month", "Tickets", "Cost", "Per ticket"].map((h) => el("th", null, h)))),
    el(
      "tbody",
      null,
      rows.map((r) =>
        el(
          "tr",
          { dataset: { key: `claude.by_month.${r.month}`, value: r.usd } },
          el("td", null, r.month),
          el("td", null, fmtNumber(r.tickets)),
          el("td", null, usd(r.usd)),
          el("td", null, usd(r.per_ticket_usd))
        )
      )
    )
  );
}

/** The card's content for one answer of /api/classification/claude. */
export function claudeCard(c) {
  const out = [el("h2", null, "Claude")];
  if (!c || typeof c !== "object") {
    out.push(el("p", { class: "muted" }, "No Claude figures."));
    return out;
  }
  const note = banner(c);
  if (note) out.push(note);
  const month = c.month || {};
  const budget = c.budget || {};
  out.push(
    el(
      "div",
      { class: "counters" },
      item("status", "Status", c.status, label(c.status)),
      item("month.usd", "Cost this month", month.usd, usd(month.usd)),
      item("month.per_ticket_usd", "Per ticket", month.per_ticket_usd, usd(month.per_ticket_usd)),
      item("month.tickets", "Tickets by Claude", month.tickets, fmtNumber(month.tickets)),
      item(
        "budget.remaining_usd",
        "Budget left",
        budget.remaining_usd,
        budget.monthly_usd === null || budget.monthly_usd === undefined
          ? "no budget"
          : `${usd(budget.remaining_usd)} of ${usd(budget.monthly_usd)}`
      ),
      item("open_batches", "Open batches", c.open_batches, fmtNumber(c.open_batches))
    )
  );
  if (Array.isArray(c.by_month) && c.by_month.length) out.push(byMonth(c.by_month));
  out.push(
    el(
      "p",
      { class: "muted small" },
      `Model ${c.model}; personal data ${c.redact_pii ? "withheld" : "sent as written"}; `,
      `${fmtNumber(c.examples)} corrected ticket(s) shown as examples.`
    )
  );
  return out;
}
