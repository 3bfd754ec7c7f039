/* The dashboard's "Answering" card: the /submit deflection rate (GET /api/kb/deflection) and
 * how reply drafts fared per source (GET /api/drafts/acceptance). Its own module: dashboard.js
 * only places the card and calls load(). */

import { api } from "../api.js";
import { clear, el } from "../dom.js";
import { fmtNumber, fmtPercent } from "../format.js";

function figure(key, title, text) {
  return el(
    "div",
    { class: "counter", dataset: { key } },
    el("span", { class: "counter-label" }, title),
    el("span", { class: "counter-value" }, text)
  );
}

function rate(value) {
  return value === null || value === undefined ? "—" : fmtPercent(value);
}

function acceptanceTable(rows) {
  if (!rows.length) return el("p", { class: "muted" }, "No reply drafts yet.");
  const head = ["Source", "Sent as is", "Edited", "Discarded", "Pending", "Accepted"];
  return el(
    "table",
    { class: "table compact", id: "draft-acceptance" },
    el("thead", null, el("tr", null, head.map((h) => el("th", { scope: "col" }, h)))),
    el(
      "tbody",
      null,
      rows.map((r) =>
        el(
          "tr",
          { dataset: { source: r.key } },
          el("th", { scope: "row" }, r.key),
          el("td", null, fmtNumber(r.sent_unchanged)),
          el("td", null, fmtNumber(r.edited)),
          el("td", null, fmtNumber(r.discarded)),
          el("td", null, fmtNumber(r.pending)),
          el("td", null, rate(r.acceptance))
        )
      )
    )
  );
}

/** {node, load()}: the card; load() fetches both figures (a failure leaves a note). */
export function answeringCard() {
  const node = el("div", { class: "card answering", id: "answering" });
  async function load() {
    let deflection = null;
    let drafts = null;
    [deflection, drafts] = await Promise.all([
      api("GET", "/api/kb/deflection").catch(() => null),
      api("GET", "/api/drafts/acceptance").catch(() => null),
    ]);
    clear(node).append(
      el("h2", null, "Answering"),
      el(
        "div",
        { class: "counters" },
        figure("deflection.rate", "Deflection rate (/submit)", deflection ? rate(deflection.rate) : "—"),
        figure("deflection.shown", "Visits shown articles", deflection ? fmtNumber(deflection.shown) : "—")
      ),
      el("h3", null, "Reply drafts by source"),
      drafts ? acceptanceTable(drafts.by_source || []) : el("p", { class: "muted" }, "Not available.")
    );
  }
  return { node, load };
}
