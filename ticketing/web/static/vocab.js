/* The product's vocabulary, handed to the page by the server (ticketing.core.vocab.as_data() in
 * the body's data-vocab JSON island). The page keeps no copy of any list: a new status or
 * category shows up in every filter, menu and chart without touching this code. */

function read() {
  try {
    return JSON.parse(document.body.dataset.vocab || "{}");
  } catch (e) {
    return {};
  }
}

const data = read();

function list(key) {
  return Array.isArray(data[key]) ? data[key] : [];
}

export const vocab = Object.freeze({
  statuses: list("statuses"),
  closedStatuses: list("closed_statuses"),
  priorities: list("priorities"), // lowest first
  categories: list("categories"),
  sentiments: list("sentiments"), // calmest first
  sources: list("sources"),
  triageStatuses: list("triage_statuses"),
  exportStatuses: list("export_statuses"),
  roles: list("roles"),
  assignmentModes: list("assignment_modes"), // how a team hands out routed tickets
  adminRole: data.admin_role, // the role that may manage users and read the access log
  accessActions: list("access_actions"), // what the access log records
  triageSources: list("triage_sources"), // the sources that are triage, not a person
  manualSource: data.manual_source, // the source of a value a person set
  unclassified: data.unclassified, // the list filter's and the stats' "no category yet"
  unset: data.unset, // the stats' "no value" in a breakdown
  waitingStatuses: list("waiting_statuses"), // waiting on the customer or a third party
  slaClocks: list("sla_clocks"), // a policy's targets: first response, resolution
  slaStates: list("sla_states"), // where one clock stands
  slaFilters: list("sla_filters"), // a ticket's SLA flag (the list's sla= filter)
  slaEscalations: list("sla_escalations"), // what a breach does, by policy
  // What people call each source ("Rules" for the local classifier), and the confidence
  // below which a triage result is shown as tentative.
  sourceLabels: Object.freeze({ ...(data.source_labels || {}) }),
  tentativeBelow: Number(data.tentative_below) || 0,
  triageActor: data.triage_actor, // the audit trail's actor when triage changed a ticket
});

// Urgency bands, highest floor first: [["critical", 75], ["high", 50], ["medium", 30]].
const floors = Object.entries(data.urgency_floors || {}).sort((a, b) => b[1] - a[1]);

/** The priority band an urgency score (0..100) falls in, as the classifier reads it. */
export function urgencyLevel(score) {
  const band = floors.find(([, floor]) => score >= floor);
  return band ? band[0] : vocab.priorities[0];
}
