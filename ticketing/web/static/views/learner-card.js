/* The dashboard's learner card, from GET /api/classification/learner: per field, which engine
 * answers on the local path (the rules, or the model learned from the team's corrections), its
 * accuracy on corrections it never saw (and the rules' on the same tickets), how many
 * corrections there are, and when the answering engine last changed. */

import { el } from "../dom.js";
import { fmtDate, fmtNumber, label, sourceName } from "../format.js";

function pct(value) {
  if (value === null || value === undefined) return "—";
  const n = Number(value);
  return Number.isFinite(n) ? `${Math.round(n * 100)}%` : "—";
}

function row(f) {
  const model = f.version ? `Learned v${f.version}` : sourceName(f.active);
  return el(
    "tr",
    { dataset: { key: `learner.${f.field}`, value: f.active } },
    el("th", { scope: "row" }, label(f.field)),
    el("td", { dataset: { key: `learner.${f.field}.active` } }, model),
    el("td", { dataset: { key: `learner.${f.field}.accuracy` } }, pct(f.accuracy)),
    el("td", null, pct(f.rules_accuracy)),
    el("td", { dataset: { key: `learner.${f.field}.corrections` } }, fmtNumber(f.corrections)),
    el("td", null, fmtDate(f.changed_at))
  );
}

/** The card's content for one answer of /api/classification/learner. */
export function learnerCard(s) {
  const out = [el("h2", null, "Learning from corrections")];
  if (!s || !Array.isArray(s.fields)) {
    out.push(el("p", { class: "muted" }, "No learner figures."));
    return out;
  }
  if (!s.enabled) {
    out.push(el("p", { class: "muted" }, "The learner is off (LEARN_ENABLED=0): the rules answer."));
  }
  out.push(
    el(
      "table",
      { class: "learner-fields" },
      el(
        "thead",
        null,
        el(
          "tr",
          null,
          ["Field", "Answered by", "Accuracy", "Rules", "Corrections", "Last change"].map((h) =>
            el("th", { scope: "col" }, h)
          )
        )
      ),
      el("tbody", null, s.fields.map(row))
    )
  );
  const notes = s.fields.filter((f) => f.decision).map((f) => `${label(f.field)}: ${f.decision}.`);
  out.push(
    el(
      "p",
      { class: "muted small" },
      `Accuracy is measured on corrections held back from training. A learned model answers a `,
      `field only while it beats the rules there; it needs ${fmtNumber(s.min_corrections)} `,
      `corrections to start. `,
      notes.join(" ")
    )
  );
  return out;
}
