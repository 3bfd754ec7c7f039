/* The new-ticket form's triage suggestion: asks POST /api/classify while the description is
 * long enough (debounced, stale answers dropped and aborted) and offers each suggested field
 * with "Apply". A field the person set themselves is never overwritten ("your choice kept"). */

import { api, errorText, notAvailable } from "../api.js";
import { clear, debounce, el } from "../dom.js";
import { fmtPercent, isTentative, label, orDash, sourceName } from "../format.js";

const MIN_DESCRIPTION = 20;

function sourceLine(s) {
  const confident =
    s.confidence !== null && s.confidence !== undefined
      ? ` · ${fmtPercent(s.confidence)} confident`
      : "";
  const guess = isTentative(s.confidence) ? " — a guess: check it" : "";
  return sourceName(s.source) + confident + guess;
}

/**
 * The panel beside the form. controls: {subject, category, priority} (the form's inputs).
 * Returns {node, ask(text, subject), cancel()}.
 */
export function suggestionPanel(controls) {
  const chosen = {}; // fields the person set themselves
  let state = "idle"; // idle | loading | ready | error | unavailable
  let message = "";
  let last = null; // the last suggestion
  let rendered = null;
  let seq = 0;
  let controller = null;
  const node = el("aside", {
    class: "card suggestion",
    "aria-live": "polite",
    "aria-label": "Triage suggestion",
    id: "suggestion",
  });

  for (const [key, control] of Object.entries(controls)) {
    control.addEventListener("input", () => {
      chosen[key] = control.value !== "";
      render();
    });
  }

  /** Does the form hold a value the person gave for key (the subject: any text)? */
  function isMine(key) {
    if (key === "subject") return Boolean(chosen.subject || controls.subject.value.trim());
    return Boolean(chosen[key]);
  }

  function apply(key, value) {
    if (isMine(key)) return;
    controls[key].value = value;
    render();
  }

  function applyAll(s) {
    apply("category", s.category);
    apply("priority", s.priority);
    if (s.suggested_title) apply("subject", s.suggested_title);
  }

  function applyControl(title, key, value) {
    const current = key === "subject" ? controls.subject.value.trim() : controls[key].value;
    if (current === value) return el("span", { class: "applied" }, "✓ applied");
    if (isMine(key)) return el("span", { class: "kept muted" }, "your choice kept");
    return el(
      "button",
      {
        type: "button",
        class: "btn btn-small",
        dataset: { apply: key },
        "aria-label": `Apply suggested ${title.toLowerCase()}`,
        onclick: () => apply(key, value),
      },
      "Apply"
    );
  }

  function row(title, value, key, applyValue) {
    return el(
      "div",
      { class: "suggestion-row", dataset: { suggest: key || title.toLowerCase() } },
      el("dt", null, title),
      el(
        "dd",
        null,
        el("span", { class: "suggestion-value" }, value),
        key ? applyControl(title, key, applyValue) : null
      )
    );
  }

  function details(s) {
    const urgency = orDash(s.urgency_score);
    node.dataset.source = s.source || "";
    node.classList.toggle("tentative", isTentative(s.confidence));
    node.appendChild(
      el(
        "dl",
        { class: "suggestion-list" },
        row("Category", label(s.category), "category", s.category),
        row("Priority", label(s.priority), "priority", s.priority),
        row("Sentiment", label(s.sentiment)),
        row("Urgency", urgency === "—" ? urgency : `${urgency} / 100`),
        s.suggested_title ? row("Title", s.suggested_title, "subject", s.suggested_title) : null,
        row("Source", sourceLine(s))
      )
    );
    if (s.explanation) node.appendChild(el("p", { class: "explanation" }, s.explanation));
    if (node.querySelectorAll("button[data-apply]").length > 1) {
      const all = { type: "button", class: "btn", dataset: { apply: "all" } };
      node.appendChild(el("button", { ...all, onclick: () => applyAll(s) }, "Apply all"));
    }
  }

  /** The panel's current content (a status line, or the suggestion and its Apply buttons). */
  function fill() {
    node.appendChild(el("h2", null, "Triage suggestion"));
    if (state === "idle") {
      const hint = `Write at least ${MIN_DESCRIPTION} characters of description to see a suggested category, priority and title.`;
      node.appendChild(el("p", { class: "muted" }, hint));
      return;
    }
    if (state === "loading" && !last) {
      node.appendChild(el("p", { class: "muted loading" }, "Thinking…"));
      return;
    }
    if (state === "error" || state === "unavailable") {
      node.appendChild(el("p", { class: "muted" }, message));
    }
    if (!last) return;
    details(last);
    if (state === "loading") node.appendChild(el("p", { class: "muted loading" }, "Updating…"));
  }

  function render() {
    // Rebuild only when something shown changed: a rebuild under a pointer would eat a click.
    const { subject, category, priority } = controls;
    const key = JSON.stringify([
      state,
      message,
      last,
      chosen,
      subject.value,
      category.value,
      priority.value,
    ]);
    if (key === rendered) return;
    rendered = key;
    clear(node);
    fill();
  }

  async function request(text) {
    seq += 1;
    const mine = seq;
    if (controller) controller.abort();
    controller = new AbortController();
    state = "loading";
    render();
    const payload = { body: text };
    const subject = controls.subject.value.trim();
    if (subject) payload.subject = subject;
    try {
      const result = await api("POST", "/api/classify", payload, { signal: controller.signal });
      if (mine !== seq) return;
      last = result;
      state = "ready";
    } catch (err) {
      if (err.name === "AbortError" || mine !== seq) return;
      state = notAvailable(err) ? "unavailable" : "error";
      message = notAvailable(err)
        ? "Suggestions are not available on this server."
        : `No suggestion: ${errorText(err)}`;
    }
    render();
  }

  const askLater = debounce(request, 600);
  render();
  return {
    node,
    /** The description changed: ask again after a pause once it is long enough. */
    ask(text) {
      const trimmed = text.trim();
      if (trimmed.length >= MIN_DESCRIPTION) {
        askLater(trimmed);
        return;
      }
      // Too short (or emptied): a suggestion for text that is gone is stale; drop it.
      askLater.cancel();
      if (controller) controller.abort();
      seq += 1;
      last = null;
      state = "idle";
      message = "";
      render();
    },
    cancel() {
      askLater.cancel();
      if (controller) controller.abort();
    },
  };
}
