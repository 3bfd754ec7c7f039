/* #/dashboard — figures from GET /api/stats (the list's filters in the hash pass through):
 * counters, a chart per breakdown (whatever keys the maps hold), tickets per day and every
 * triage figure present. Refreshes when shown, after a change made in the page, on tab focus
 * and every 60 s. */

import { api, errorText, notAvailable } from "../api.js";
import { clear, debounce, el } from "../dom.js";
import { fmtNumber, fmtPercent, label } from "../format.js";
import { errorBox, heading, onTicketsChanged, showError } from "../ui.js";
import { vocab } from "../vocab.js";
import { barChart, perDayChart } from "./charts.js";
import { answeringCard } from "./assist-dashboard.js";
import { claudeCard } from "./claude-card.js";
import { filtersFrom } from "./filters.js";

const REFRESH_MS = 60000;

function counter(key, title, value, format = fmtNumber) {
  return el(
    "div",
    { class: "card counter", dataset: { key, value: value === null || value === undefined ? "" : value } },
    el("span", { class: "counter-label" }, title),
    el("span", { class: "counter-value" }, format(value))
  );
}

function counters(s) {
  const hours = (v) => (v === null || v === undefined ? "—" : `${fmtNumber(v)} h`);
  return [
    counter("total", "Total tickets", s.total),
    counter("open", "Open", s.open),
    counter("avg_per_day", "Avg per day", s.avg_per_day),
    counter("avg_urgency_score", "Avg urgency", s.avg_urgency_score),
    counter("median_resolution_hours", "Median resolution", s.median_resolution_hours, hours),
  ];
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

function charts(s, w) {
  return [
    barChart("By status", "status", s.by_status, vocab.statuses, w.half),
    barChart("By category", "category", s.by_category, [...vocab.categories, vocab.unclassified], w.half),
    barChart("By priority", "priority", s.by_priority, [...vocab.priorities, vocab.unset], w.half),
    barChart("By sentiment", "sentiment", s.by_sentiment, [...vocab.sentiments, vocab.unset], w.half),
    perDayChart(s.per_day, w.full),
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
        el("dt", null, label(k)),
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
  const answering = answeringCard();
  const errors = errorBox();
  const updated = el("p", { class: "muted updated", "aria-live": "polite" });
  const refresh = el("button", { type: "button", class: "btn btn-small", onclick: load }, "Refresh");
  const section = el(
    "section",
    { class: "view view-dashboard" },
    el(
      "div",
      { class: "view-head" },
      heading("Dashboard"),
      el("div", { class: "toolbar-actions" }, updated, refresh)
    ),
    errors,
    counterBox,
    chartBox,
    claude,
    triage,
    answering.node
  );
  main.appendChild(section);

  function render(s) {
    lastStats = s;
    clear(counterBox).append(...counters(s));
    clear(chartBox).append(...charts(s, chartWidths(chartBox)));
    clear(triage).append(...triageFigures(s.triage));
    updated.textContent = `Updated ${new Date().toLocaleTimeString("en-GB")}`;
  }

  async function load() {
    if (loading) return;
    loading = true;
    section.setAttribute("aria-busy", "true");
    const query = new URLSearchParams(filtersFrom(params)).toString();
    try {
      const [stats, claudeState] = await Promise.all([
        api("GET", `/api/stats${query ? `?${query}` : ""}`),
        api("GET", "/api/classification/claude").catch(() => null),
      ]);
      if (!alive) return;
      showError(errors, "");
      render(stats || {});
      clear(claude).append(...claudeCard(claudeState));
      answering.load();
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
