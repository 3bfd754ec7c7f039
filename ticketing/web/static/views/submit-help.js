/* /submit: published help articles that may answer what the customer is typing, and what the
 * customer did with them (opened one; still sent the request) for the deflection rate. Kept in
 * its own module: submit.js only places the box and says when the request was sent. */

import { api } from "../api.js";
import { clear, debounce, el } from "../dom.js";

const MIN_CHARS = 12;

/** {node, submitted()} for the form's subject and body inputs. */
export function helpSuggestions(subject, body) {
  let visit = null;
  let asked = "";
  const list = el("ul", { class: "help-suggestions-list" });
  const node = el(
    "aside",
    { class: "card help-suggestions", id: "help-suggestions", "aria-live": "polite", hidden: true },
    el("h2", null, "These may answer your question"),
    list,
    el("p", { class: "muted" }, "Still need us? Send your request below.")
  );

  function opened(id) {
    if (visit) api("POST", `/api/help/suggestions/${visit}`, { opened: id }, { allow401: true }).catch(() => {});
  }

  function show(items) {
    clear(list);
    items.forEach((a) =>
      list.appendChild(
        el(
          "li",
          null,
          el("a", { href: a.url, target: "_blank", rel: "noopener", onclick: () => opened(a.id) }, a.title),
          el("p", { class: "muted" }, a.excerpt)
        )
      )
    );
    node.hidden = items.length === 0;
  }

  const ask = debounce(async () => {
    const text = `${subject.value} ${body.value}`.trim();
    if (text.length < MIN_CHARS || text === asked) return;
    asked = text;
    try {
      const data = await api(
        "POST",
        "/api/help/suggestions",
        { subject: subject.value.slice(0, 200), body: body.value.slice(0, 10000), visit },
        { allow401: true }
      );
      visit = data.visit || visit;
      show(data.items || []);
    } catch (err) {
      // Suggestions are a help, never in the way of sending the request.
    }
  }, 400);
  subject.addEventListener("input", ask);
  body.addEventListener("input", ask);

  return {
    node,
    submitted() {
      ask.cancel();
      if (visit) api("POST", `/api/help/suggestions/${visit}`, { submitted: true }, { allow401: true }).catch(() => {});
      visit = null;
      asked = "";
      show([]);
    },
  };
}
