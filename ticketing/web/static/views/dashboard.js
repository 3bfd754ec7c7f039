/* #/dashboard — figures from GET /api/stats (the list's filters in the hash pass through):
 * counters, a chart per breakdown (whatever keys the maps hold), tickets per day and every
 * triage figure present. Refreshes when shown, after a change made in the page, on tab focus
 * and every 60 s. */

import { api, errorText, notAvailable } from "../api.js";
import { clear, debounce, el } from "../dom.js";
import { fmtHours, fmtNumber, fmtPercent, fmtRounded, label, sourceName } from "../format.js";
import { navigate } from "../router.js";
import { errorBox, heading, onTicketsChanged, select, showError } from "../ui.js";
import { vocab } from "../vocab.js";
import { barChart, perDayChart } from "./charts.js";
import { answeringCard } from "./assist-dashboard.js";
import { claudeCard } from "./claude-card.js";
import { learnerCard } from "./learner-card.js";
import { filtersFrom } from "./filters.js";
import { attainmentCard } from "./sla.js";

const REFRESH_MS = 60000;

function counter(key, title, value, format = fmtNumber, extra = null) {
  return el(
    "div",
    { class: "card counter", dataset: { key, value: value === null || value === undefined ? "" : value } },
    el("span", { class: "counter-label" }, title),
    el("span", { class: "counter-value" }, format(value)),
    extra
  );
}

/** The list (as a hash) for these filters plus more: where a figure's click leads. */
function listLink(filters, more) {
  const params = new URLSearchParams({ ...filters, ...more });
  const qs = params.toString();
  return `#/tickets${qs ? `?${qs}` : ""}`;
}

/** The statuses that count as unresolved (every one not closed), with their counts: the
 * "Unresolved" counter is their sum, and says so. */
function unresolvedParts(s, filters) {
  const parts = vocab.statuses.filter((st) => !vocab.closedStatuses.includes(st));
  const byStatus = s.by_status || {};
  return el(
    "span",
    { class: "counter-parts" },
    parts.map((st, i) => [
      i ? " + " : null,
      el(
        "a",
        {
          href: listLink(filters, { status: st }),
          class: "counter-part",
          dataset: { key: `open.${st}`, value: Number(byStatus[st]) || 0 },
        },
        `${label(st)} ${fmtNumber(Number(byStatus[st]) || 0)}`
      ),
    ])
  );
}

function counters(s, filters) {
  const unresolved = vocab.statuses.filter((st) => !vocab.closedStatuses.includes(st)).join(",");
  return [
    counter("total", "Total tickets", s.total),
    counter(
      "open",
      "Unresolved",
      s.open,
      (v) => el("a", { href: listLink(filters, { status: unresolved }) }, fmtNumber(v)),
      unresolvedParts(s, filters)
    ),
    counter("avg_per_day", "Avg per day", s.avg_per_day, fmtRounded),
    counter("avg_urgency_score", "Avg urgency", s.avg_urgency_score, fmtRounded),
    counter("median_resolution_hours", "Median resolution", s.median_resolution_hours, fmtHours),
  ];
}

/* ---------- the period ---------- */

const PERIODS = [
  ["7", "Last 7 days"],
  ["30", "Last 30 days"],
  ["90", "Last 90 days"],
  ["", "All time"],
];

/** The UTC day n-1 days before today ("2026-11-23" for n=7 on the 29th). */
function daysAgo(n) {
  return new Date(Date.now() - (n - 1) * 86400000).toISOString().slice(0, 10);
}

/** The list filters in the hash, narrowed to the chosen period (period=7|30|90). */
function dashboardFilters(params) {
  const filters = filtersFrom(params);
  const days = Number(params.get("period"));
  if (days > 0 && !filters.created_from) filters.created_from = daysAgo(days);
  return filters;
}

function periodSelect(params) {
  const control = select(PERIODS, params.get("period") || "", { id: "period", name: "period" });
  control.addEventListener("change", () => {
    const next = new URLSearchParams(params);
    if (control.value) next.set("period", control.value);
    else next.delete("period");
    navigate("/dashboard", next, true);
  });
  return el(
    "span",
    { class: "period" },
    el("label", { for: "period", class: "visually-hidden" }, "Period"),
    control
  );
}

/** The charts' widths: two per row on a wide screen, one on a narrow one. */
function chartWidths(charts) {
  const total = Math.max(280, charts.clientWidth || 600);
  const narrow = window.matchMedia("(max-width: 720px)").matches;
  const card = 34; // card padding and borders
  return {
    half: Math.floor((narrow ? total : (total - 16) / 2) - card),
    full: Math.floor(total - card),
  };
}

function charts(s, w, filters) {
  // A bar leads to the list with its value as a filter (none for "no value": the list has
  // no such filter for priority or sentiment).
  const link = (key) => (k) =>
    k === vocab.unset ? null : listLink(filters, { [key]: k });
  return [
    barChart("By status", "status", s.by_status, vocab.statuses, w.half, link("status")),
    barChart("By category", "category", s.by_category, [...vocab.categories, vocab.unclassified], w.half, link("category")),
    barChart("By priority", "priority", s.by_priority, [...vocab.priorities, vocab.unset], w.half, link("priority")),
    barChart("By sentiment", "sentiment", s.by_sentiment, [...vocab.sentiments, vocab.unset], w.half, link("sentiment")),
    perDayChart(s.per_day, w.full, (day) => listLink(filters, { created_from: day, created_to: day })),
  ];
}

/* ---------- triage figures ---------- */

function agreementItem(k, a) {
  const rate = typeof a === "number" ? a : a.rate;
  const none = rate === null || rate === undefined;
  let compared = null;
  if (a.compared !== undefined) {
    compared = el(
      "span",
      { class: "muted small" },
      a.compared
        ? `${fmtNumber(a.agreed)} of ${fmtNumber(a.compared)} kept as triaged`
        : "nothing triaged to compare yet"
    );
  }
  return el(
    "div",
    { class: "counter agreement-item", dataset: { key: `agreement.${k}`, value: none ? "" : rate } },
    el("span", { class: "counter-label" }, `${label(k)} agreement`),
    el("span", { class: "counter-value" }, none ? "—" : fmtPercent(rate)),
    compared
  );
}

function kvValue(k, v, keyPath) {
  if (v !== null && typeof v === "object" && !Array.isArray(v)) return definitionList(v, keyPath);
  if (typeof v === "number" && /rate|agreement|ratio|share/i.test(k) && v <= 1) return fmtPercent(v);
  if (typeof v === "number") return fmtNumber(v);
  return v === null || v === undefined ? "—" : String(v);
}

/** Every key of obj as a row (nested objects nested), data-key the dotted path. */
function definitionList(obj, path) {
  return el(
    "dl",
    { class: "kv" },
    Object.entries(obj).map(([k, v]) => {
      const keyPath = `${path}.${k}`;
      const raw = v !== null && typeof v === "object" ? "" : v === null ? "" : v;
      return el(
        "div",
        { class: "kv-row", dataset: { key: keyPath, value: raw } },
        el("dt", null, vocab.sources.includes(k) ? sourceName(k) : label(k)),
        el("dd", null, kvValue(k, v, keyPath))
      );
    })
  );
}

function triageFigures(data) {
  const out = [el("h2", null, "Triage")];
  if (!data || typeof data !== "object" || !Object.keys(data).length) {
    out.push(el("p", { class: "muted" }, "No triage figures."));
    return out;
  }
  const agreement = data.agreement && typeof data.agreement === "object" ? data.agreement : null;
  if (agreement) {
    const items = Object.entries(agreement).map(([k, a]) => agreementItem(k, a || {}));
    out.push(el("div", { class: "agreement" }, items));
  }
  const rest = { ...data };
  if (agreement) delete rest.agreement;
  out.push(definitionList(rest, "triage"));
  return out;
}

/* ---------- the view ---------- */

export function dashboardView(main, route) {
  let params = route.params;
  let alive = true;
  let loading = false;
  let lastStats = null;
  const counterBox = el("div", { class: "counters", id: "counters" });
  const chartBox = el("div", { class: "charts" });
  const triage = el("div", { class: "card triage", id: "triage" });
  const claude = el("div", { class: "card claude", id: "claude" });
  const learner = el("div", { class: "card learner", id: "learner" });
  const answering = answeringCard();
  const attainment = attainmentCard();
  const errors = errorBox();
  const updated = el("p", { class: "muted updated", "aria-live": "polite" });
  const periodBox = el("span", { class: "period-box" }, periodSelect(params));
  const refresh = el("button", { type: "button", class: "btn btn-small", onclick: load }, "Refresh");
  const section = el(
    "section",
    { class: "view view-dashboard" },
    el(
      "div",
      { class: "view-head" },
      heading("Dashboard"),
      el("div", { class: "toolbar-actions" }, periodBox, updated, refresh)
    ),
    errors,
    counterBox,
    chartBox,
    attainment.node,
    claude,
    learner,
    triage,
    answering.node
  );
  main.appendChild(section);

  function render(s) {
    lastStats = s;
    const filters = dashboardFilters(params);
    clear(counterBox).append(...counters(s, filters));
    clear(chartBox).append(...charts(s, chartWidths(chartBox), filters));
    clear(triage).append(...triageFigures(s.triage));
    updated.textContent = `Updated ${new Date().toLocaleTimeString("en-GB")}`;
  }

  async function load() {
    if (loading) return;
    loading = true;
    section.setAttribute("aria-busy", "true");
    const query = new URLSearchParams(dashboardFilters(params)).toString();
    try {
      const [stats, claudeState, learnerState] = await Promise.all([
        api("GET", `/api/stats${query ? `?${query}` : ""}`),
        api("GET", "/api/classification/claude").catch(() => null),
        api("GET", "/api/classification/learner").catch(() => null),
      ]);
      if (!alive) return;
      showError(errors, "");
      render(stats || {});
      clear(claude).append(...claudeCard(claudeState));
      clear(learner).append(...learnerCard(learnerState));
      answering.load();
      attainment.load(dashboardFilters(params));
    } catch (err) {
      if (!alive) return;
      const text = notAvailable(err) ? "Statistics are not available on this server yet." : null;
      showError(errors, text || errorText(err));
    } finally {
      loading = false;
      section.removeAttribute("aria-busy");
    }
  }

  const onResize = debounce(() => {
    if (lastStats && alive) render(lastStats);
  }, 200);
  const onVisible = () => {
    if (document.visibilityState === "visible") load();
  };
  window.addEventListener("resize", onResize);
  document.addEventListener("visibilitychange", onVisible);
  const stopListening = onTicketsChanged(() => load());
  const timer = setInterval(onVisible, REFRESH_MS);
  load();
  return {
    update(next) {
      params = next.params;
      clear(periodBox).append(periodSelect(params));
      load();
    },
    destroy() {
      alive = false;
      clearInterval(timer);
      onResize.cancel();
      window.removeEventListener("resize", onResize);
      document.removeEventListener("visibilitychange", onVisible);
      stopListening();
    },
  };
}
