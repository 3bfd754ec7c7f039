/* ticketing — the one page. Vanilla JS, no build step, no third-party code.
 *
 * Rules kept throughout: every piece of ticket data reaches the DOM as text (textContent or
 * text nodes made by el()), never through innerHTML; every request goes through api(), which
 * sends the CSRF token, turns the error envelope into a readable ApiError and shows the login
 * view on 401.
 */
(function () {
  "use strict";

  /* ---------- theme: applied before first paint (this script loads in <head>) ---------- */
  var THEME_KEY = "ticketing.theme";
  function storedTheme() {
    try {
      var t = window.localStorage.getItem(THEME_KEY);
      return t === "dark" || t === "light" ? t : null;
    } catch (e) {
      return null;
    }
  }
  function systemTheme() {
    return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches
      ? "dark"
      : "light";
  }
  function effectiveTheme() {
    return storedTheme() || systemTheme();
  }
  document.documentElement.dataset.theme = effectiveTheme();

  /* ---------- small DOM helpers ---------- */
  var SVG_NS = "http://www.w3.org/2000/svg";

  // el("a", {href: "#/x", class: "c", onclick: fn}, "text", node, [more]) — text stays text.
  function el(tag, attrs) {
    var node = document.createElement(tag);
    setAttrs(node, attrs);
    for (var i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }
  function svg(tag, attrs) {
    var node = document.createElementNS(SVG_NS, tag);
    setAttrs(node, attrs);
    for (var i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }
  function setAttrs(node, attrs) {
    if (!attrs) return;
    Object.keys(attrs).forEach(function (key) {
      var value = attrs[key];
      if (value === null || value === undefined || value === false) return;
      if (key.slice(0, 2) === "on" && typeof value === "function") {
        node.addEventListener(key.slice(2), value);
      } else if (key === "text") {
        node.textContent = String(value);
      } else if (key === "dataset") {
        Object.keys(value).forEach(function (k) {
          node.dataset[k] = String(value[k]);
        });
      } else if (key === "value" && "value" in node && !(node instanceof SVGElement)) {
        node.value = String(value);
      } else if (key === "checked" || key === "selected" || key === "disabled") {
        node[key] = Boolean(value);
      } else {
        node.setAttribute(key, value === true ? "" : String(value));
      }
    });
  }
  function append(node, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) {
      child.forEach(function (c) {
        append(node, c);
      });
    } else if (child instanceof Node) {
      node.appendChild(child);
    } else {
      node.appendChild(document.createTextNode(String(child)));
    }
  }
  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }
  function $(sel, root) {
    return (root || document).querySelector(sel);
  }
  function debounce(fn, ms) {
    var timer = null;
    function run() {
      var args = arguments;
      var self = this;
      clearTimeout(timer);
      timer = setTimeout(function () {
        fn.apply(self, args);
      }, ms);
    }
    run.cancel = function () {
      clearTimeout(timer);
    };
    return run;
  }
  function wait(ms) {
    return new Promise(function (resolve) {
      setTimeout(resolve, ms);
    });
  }
  var uid = 0;
  function nextId(prefix) {
    uid += 1;
    return prefix + "-" + uid;
  }

  /* ---------- formatting ---------- */
  var numberFmt = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });
  function fmtNumber(v) {
    if (v === null || v === undefined || v === "") return "—";
    var n = Number(v);
    return isFinite(n) ? numberFmt.format(n) : String(v);
  }
  function label(value) {
    if (value === null || value === undefined || value === "") return "—";
    var s = String(value).replace(/_/g, " ");
    return s.charAt(0).toUpperCase() + s.slice(1);
  }
  function fmtDate(iso) {
    if (!iso) return "—";
    var d = new Date(iso);
    if (isNaN(d.getTime())) return String(iso);
    return d.toLocaleString("en-GB", {
      year: "numeric",
      month: "short",
      day: "numeric",
      hour: "2-digit",
      minute: "2-digit",
    });
  }
  function fmtAge(iso) {
    if (!iso) return "—";
    var seconds = (Date.now() - new Date(iso).getTime()) / 1000;
    if (!isFinite(seconds)) return "—";
    if (seconds < 60) return "now";
    if (seconds < 3600) return Math.floor(seconds / 60) + " min";
    if (seconds < 86400) return Math.floor(seconds / 3600) + " h";
    return Math.floor(seconds / 86400) + " d";
  }
  function fmtBytes(n) {
    if (n === null || n === undefined) return "—";
    if (n < 1024) return n + " B";
    if (n < 1024 * 1024) return (n / 1024).toFixed(1) + " KB";
    return (n / 1024 / 1024).toFixed(1) + " MB";
  }
  function fmtPercent(v) {
    if (v === null || v === undefined) return "—";
    return Math.round(Number(v) * 100) + "%";
  }
  function safeUrl(url) {
    // Only same-origin paths or http(s) URLs become links (never javascript: or data:).
    if (!url || typeof url !== "string") return null;
    try {
      var parsed = new URL(url, window.location.href);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
    } catch (e) {
      return null;
    }
  }

  /* ---------- app state ---------- */
  var ENUMS = { statuses: [], priorities: [], categories: [], sentiments: [] };
  var state = {
    mode: "app",
    user: null, // {id, email, name, role} or {anonymous: true} when the server has no accounts
    csrf: null,
    authChecked: false,
    current: null, // the mounted view: {name, update?(route), destroy?()}
  };

  /* ---------- the API client ---------- */
  function ApiError(status, code, message, fields, retryAfter) {
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.message = message;
    this.fields = fields || null;
    this.retryAfter = retryAfter;
  }
  ApiError.prototype = Object.create(Error.prototype);

  function parseRetryAfter(value) {
    if (!value) return null;
    var seconds = Number(value);
    if (isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
    var when = Date.parse(value);
    return isNaN(when) ? null : Math.max(0, Math.ceil((when - Date.now()) / 1000));
  }

  function errorText(err) {
    if (!(err instanceof ApiError)) {
      return "Could not reach the server. Check your connection and try again.";
    }
    if (err.status === 429) {
      return err.retryAfter !== null && err.retryAfter !== undefined
        ? "Too many requests. Try again in " + err.retryAfter + " s."
        : "Too many requests. Try again in a moment.";
    }
    return err.message || "The request failed (" + err.status + ").";
  }

  function api(method, path, body, options) {
    options = options || {};
    var headers = { Accept: "application/json" };
    var init = { method: method, headers: headers, credentials: "same-origin" };
    if (body !== undefined && body !== null) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    if (state.csrf) headers["X-CSRF-Token"] = state.csrf;
    if (options.signal) init.signal = options.signal;
    return fetch(path, init).then(
      function (response) {
        var type = response.headers.get("Content-Type") || "";
        var parse =
          response.status === 204
            ? Promise.resolve(null)
            : type.indexOf("json") !== -1
              ? response.json().catch(function () {
                  return null;
                })
              : Promise.resolve(null);
        return parse.then(function (data) {
          if (response.ok) return data;
          var e = (data && data.error) || {};
          var err = new ApiError(
            response.status,
            e.code || "http_" + response.status,
            e.message || response.statusText || "Request failed",
            e.fields,
            parseRetryAfter(response.headers.get("Retry-After"))
          );
          if (response.status === 401 && !options.allow401) {
            state.user = null;
            state.csrf = null;
            renderUser();
            if (state.mode === "app") goLogin();
          }
          throw err;
        });
      },
      function (netErr) {
        if (netErr && netErr.name === "AbortError") throw netErr;
        throw new ApiError(0, "network_error", "Could not reach the server.", null, null);
      }
    );
  }

  function listOf(data) {
    if (Array.isArray(data)) return data;
    return (data && data.items) || [];
  }

  function notAvailable(err) {
    return err instanceof ApiError && (err.status === 404 || err.status === 405);
  }

  /* ---------- toast + global notices ---------- */
  var toastTimer = null;
  function toast(message, kind) {
    var box = $("#toast");
    if (!box) return;
    clear(box);
    box.className = "toast toast-show" + (kind ? " toast-" + kind : "");
    box.appendChild(el("span", null, message));
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () {
      box.className = "toast";
      clear(box);
    }, 5000);
  }

  function changed() {
    // Something changed tickets: views that summarise them (the dashboard) refresh.
    document.dispatchEvent(new CustomEvent("tickets:changed"));
  }

  /* ---------- routing (hash based, so deep links and Back work) ---------- */
  function parseHash() {
    var raw = window.location.hash.replace(/^#/, "") || "/tickets";
    var q = raw.indexOf("?");
    var path = q === -1 ? raw : raw.slice(0, q);
    var params = new URLSearchParams(q === -1 ? "" : raw.slice(q + 1));
    var parts = path.split("/").filter(Boolean);
    return { path: path, parts: parts, params: params };
  }
  function hashFor(path, params) {
    var qs = params ? params.toString() : "";
    return "#" + path + (qs ? "?" + qs : "");
  }
  function navigate(path, params, replace) {
    var target = hashFor(path, params);
    if (window.location.hash === target) {
      route();
      return;
    }
    if (replace) {
      window.history.replaceState(null, "", target);
      route();
    } else {
      window.location.hash = target;
    }
  }
  function goLogin() {
    var here = parseHash();
    if (here.parts[0] === "login") return;
    var params = new URLSearchParams();
    params.set("next", window.location.hash || "#/tickets");
    navigate("/login", params);
  }

  var VIEWS = {
    tickets: ticketsView,
    new: newTicketView,
    ticket: ticketDetailView,
    dashboard: dashboardView,
    exports: exportsView,
    login: loginView,
    account: accountView,
  };

  function resolve(r) {
    var head = r.parts[0] || "tickets";
    if (head === "tickets" && r.parts[1] === "new") return "new";
    if (head === "tickets" && r.parts[1]) return "ticket";
    if (VIEWS[head]) return head;
    return "tickets";
  }

  function route() {
    if (state.mode === "public") return;
    var r = parseHash();
    var name = resolve(r);
    if (name !== "login" && !state.user && state.authChecked) {
      goLogin();
      return;
    }
    markNav(name);
    if (state.current && state.current.name === name && state.current.update) {
      if (state.current.update(r) !== false) return;
    }
    if (state.current && state.current.destroy) state.current.destroy();
    var main = clear($("#main"));
    state.current = VIEWS[name](main, r) || { name: name };
    state.current.name = name;
    // After a navigation (not the first paint) move focus to the new view's heading.
    var heading = $("h1", main);
    if (heading && state.navigated) heading.focus({ preventScroll: true });
    state.navigated = true;
    window.scrollTo(0, 0);
  }

  var NAV = [
    ["tickets", "#/tickets", "Tickets"],
    ["new", "#/tickets/new", "New ticket"],
    ["dashboard", "#/dashboard", "Dashboard"],
    ["exports", "#/exports", "Exports"],
  ];
  function renderNav() {
    var nav = $("#nav");
    clear(nav);
    NAV.forEach(function (item) {
      nav.appendChild(el("a", { href: item[1], class: "nav-link", dataset: { view: item[0] } }, item[2]));
    });
    nav.hidden = false;
  }
  function markNav(name) {
    var links = document.querySelectorAll("#nav .nav-link");
    Array.prototype.forEach.call(links, function (a) {
      var active = a.dataset.view === name || (name === "ticket" && a.dataset.view === "tickets");
      if (active) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    });
  }
  function renderUser() {
    var box = $("#user");
    var button = $("#logout");
    if (!box || !button) return;
    var signedIn = state.user && !state.user.anonymous;
    box.hidden = !signedIn;
    button.hidden = !signedIn;
    $("#nav").hidden = !state.user || state.mode === "public";
    box.textContent = signedIn ? state.user.name || state.user.email : "";
  }

  /* ---------- shared form pieces ---------- */
  function field(labelText, control, opts) {
    opts = opts || {};
    if (!control.id) control.id = nextId("f");
    var hint = opts.hint ? el("span", { class: "hint", id: control.id + "-hint" }, opts.hint) : null;
    var error = el("span", { class: "field-error", id: control.id + "-error", role: "alert" });
    var described = [hint && hint.id, error.id].filter(Boolean).join(" ");
    control.setAttribute("aria-describedby", described);
    return el(
      "div",
      { class: "field" + (opts.className ? " " + opts.className : ""), dataset: { field: opts.name || "" } },
      el("label", { for: control.id }, labelText),
      control,
      hint,
      error
    );
  }
  function setFieldErrors(form, fields) {
    Array.prototype.forEach.call(form.querySelectorAll(".field-error"), function (span) {
      span.textContent = "";
    });
    Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (c) {
      c.removeAttribute("aria-invalid");
    });
    var unplaced = [];
    Object.keys(fields || {}).forEach(function (name) {
      var messages = fields[name];
      var text = Array.isArray(messages)
        ? messages.map(function (m) { return typeof m === "string" ? m : JSON.stringify(m); }).join(" ")
        : typeof messages === "string"
          ? messages
          : JSON.stringify(messages);
      var box = form.querySelector('.field[data-field="' + CSS.escape(name) + '"]');
      if (box) {
        $(".field-error", box).textContent = text;
        var control = box.querySelector("input, select, textarea");
        if (control) control.setAttribute("aria-invalid", "true");
      } else {
        unplaced.push(label(name) + ": " + text);
      }
    });
    var first = form.querySelector("[aria-invalid]");
    if (first) first.focus();
    return unplaced;
  }
  function select(options, value, attrs) {
    var s = el("select", attrs);
    options.forEach(function (o) {
      var opt = Array.isArray(o) ? o : [o, label(o)];
      s.appendChild(el("option", { value: opt[0] }, opt[1]));
    });
    s.value = value === null || value === undefined ? "" : value;
    return s;
  }
  function errorBox() {
    return el("div", { class: "error-box", role: "alert", hidden: true });
  }
  function showError(box, message) {
    if (!box) return;
    box.textContent = message || "";
    box.hidden = !message;
  }
  function badge(kind, value, text) {
    return el(
      "span",
      { class: "badge badge-" + kind + (value ? " " + kind + "-" + value : " badge-empty") },
      text !== undefined ? text : label(value)
    );
  }
  function sourceMark(source) {
    if (!source) return null;
    var ai = source === "claude" || source === "fallback";
    return el(
      "span",
      {
        class: "mark " + (ai ? "mark-ai" : "mark-manual"),
        title: ai ? "Set by triage (" + source + ")" : "Set by a person",
      },
      ai ? "AI" : "manual"
    );
  }
  function categoryCell(t) {
    return el(
      "span",
      { class: "category-cell" },
      badge("category", t.category, t.category ? label(t.category) : "Unclassified"),
      " ",
      sourceMark(t.category_source),
      t.confidence !== null && t.confidence !== undefined && t.category_source !== "manual"
        ? el("span", { class: "confidence", title: "Triage confidence" }, fmtPercent(t.confidence))
        : null
    );
  }
  function urgencyMeter(score) {
    if (score === null || score === undefined) return el("span", { class: "muted" }, "—");
    var level = score >= 80 ? "critical" : score >= 60 ? "high" : score >= 35 ? "medium" : "low";
    var fill = el("span", { class: "urgency-fill" });
    fill.style.width = Math.max(0, Math.min(100, score)) + "%"; // CSSOM: allowed by the CSP
    return el(
      "span",
      { class: "urgency urgency-" + level, title: "Urgency " + score + " / 100" },
      el("span", { class: "urgency-bar", "aria-hidden": "true" }, fill),
      el("span", { class: "urgency-num" }, String(score))
    );
  }
  function tagList(tags) {
    var list = el("ul", { class: "tags" });
    (tags || []).forEach(function (t) {
      list.appendChild(el("li", { class: "tag" }, t));
    });
    return list;
  }

  /* ======================= Tickets list ======================= */
  var FILTER_KEYS = [
    "status", "category", "priority", "sentiment", "tag", "has_note",
    "requester", "created_from", "created_to", "q",
  ];
  var SORTS = [
    ["-created_at", "Newest first"],
    ["created_at", "Oldest first"],
    ["-updated_at", "Recently updated"],
    ["updated_at", "Least recently updated"],
    ["-priority", "Priority: high to low"],
    ["priority", "Priority: low to high"],
    ["-urgency_score", "Urgency: high to low"],
    ["urgency_score", "Urgency: low to high"],
  ];
  var PER_PAGE = ["10", "25", "50", "100"];

  function filtersFrom(params) {
    var out = {};
    FILTER_KEYS.forEach(function (k) {
      var v = params.get(k);
      if (v !== null && v !== "") out[k] = v;
    });
    return out;
  }

  function ticketsView(main, r) {
    var view = { name: "tickets" };
    var params = r.params;
    var seq = 0;
    var controller = null;
    var lastFocusId = null;

    var heading = el("h1", { tabindex: "-1" }, "Tickets");
    var total = el("p", { class: "total", "aria-live": "polite" });
    var errors = errorBox();

    /* filters form */
    function checks(name, values, legend) {
      var box = el("fieldset", { class: "checks", dataset: { filter: name } }, el("legend", null, legend));
      values.forEach(function (v) {
        var id = nextId("chk");
        box.appendChild(
          el("span", { class: "check" },
            el("input", { type: "checkbox", id: id, name: name, value: v }),
            el("label", { for: id }, v === "unclassified" ? "Unclassified" : label(v)))
        );
      });
      return box;
    }
    var search = el("input", {
      type: "search", id: "search", name: "q", autocomplete: "off",
      placeholder: "Search subject and body, or #123",
    });
    var tagInput = el("input", { type: "text", name: "tag", placeholder: "e.g. refund, vip" });
    var requesterInput = el("input", { type: "email", name: "requester", placeholder: "name@example.com" });
    var fromInput = el("input", { type: "date", name: "created_from" });
    var toInput = el("input", { type: "date", name: "created_to" });
    var noteSelect = select([["", "Any"], ["true", "Has a note"], ["false", "No note"]], "", { name: "has_note" });
    var sortSelect = select(SORTS, "-created_at", { name: "sort" });
    var perPageSelect = select(PER_PAGE.map(function (n) { return [n, n + " per page"]; }), "25", { name: "per_page" });

    var filterForm = el(
      "form",
      { class: "filters", role: "search", onsubmit: function (e) { e.preventDefault(); applyFilters(false); } },
      el("div", { class: "filters-row" },
        field("Search", search, { className: "grow" }),
        field("Sort by", sortSelect),
        field("Rows", perPageSelect)),
      el("details", { class: "more-filters" },
        el("summary", null, "Filters"),
        el("div", { class: "filters-grid" },
          checks("status", ENUMS.statuses, "Status"),
          checks("category", ENUMS.categories.concat(["unclassified"]), "Category"),
          checks("priority", ENUMS.priorities, "Priority"),
          checks("sentiment", ENUMS.sentiments, "Sentiment"),
          el("div", { class: "filters-fields" },
            field("Tags", tagInput, { hint: "Comma-separated; any of them", name: "tag" }),
            field("Requester email", requesterInput, { name: "requester" }),
            field("Note", noteSelect, { name: "has_note" }),
            field("Created from", fromInput, { name: "created_from" }),
            field("Created to", toInput, { name: "created_to" }))),
        el("div", { class: "filters-actions" },
          el("button", { type: "submit", class: "btn btn-primary" }, "Apply filters"),
          el("button", { type: "button", class: "btn", onclick: clearFilters }, "Clear filters")))
    );

    var exportButton = el("button", { type: "button", class: "btn", onclick: startExport }, "Export these results");
    var toolbar = el("div", { class: "toolbar" }, total, el("div", { class: "toolbar-actions" },
      el("a", { class: "btn btn-primary", href: "#/tickets/new" }, "New ticket"), exportButton));

    function sortHeader(text, key) {
      var button = el("button", { type: "button", class: "sort", dataset: { sort: key } }, text,
        el("span", { class: "sort-arrow", "aria-hidden": "true" }));
      button.addEventListener("click", function () {
        var current = params.get("sort") || "-created_at";
        var next = current === "-" + key ? key : "-" + key;
        if (key === "created_at") next = current === "-created_at" ? "created_at" : "-created_at";
        var p = new URLSearchParams(params);
        p.set("sort", next);
        p.delete("page");
        lastFocusId = key;
        navigate("/tickets", p);
      });
      return el("th", { scope: "col", dataset: { sortKey: key } }, button);
    }
    var thead = el("thead", null, el("tr", null,
      el("th", { scope: "col" }, "ID"),
      el("th", { scope: "col" }, "Subject"),
      el("th", { scope: "col" }, "Status"),
      sortHeader("Priority", "priority"),
      el("th", { scope: "col" }, "Category"),
      el("th", { scope: "col" }, "Sentiment"),
      sortHeader("Urgency", "urgency_score"),
      el("th", { scope: "col" }, "Tags"),
      sortHeader("Age", "created_at")));
    var tbody = el("tbody");
    var table = el("table", { class: "tickets-table", id: "tickets-table" },
      el("caption", { class: "visually-hidden" }, "Tickets"), thead, tbody);
    var empty = el("div", { class: "empty", hidden: true },
      el("p", { class: "empty-title" }, "No tickets match."),
      el("p", null, "Try fewer filters or a different search."),
      el("button", { type: "button", class: "btn", onclick: clearFilters }, "Clear filters"));

    var prev = el("button", { type: "button", class: "btn", onclick: function () { goPage(-1); } }, "← Previous");
    var next = el("button", { type: "button", class: "btn", onclick: function () { goPage(1); } }, "Next →");
    var pageInfo = el("span", { class: "page-info", "aria-live": "polite" });
    var pager = el("nav", { class: "pager", "aria-label": "Pages" }, prev, pageInfo, next);

    main.appendChild(el("section", { class: "view view-tickets" }, heading, filterForm, toolbar, errors,
      el("div", { class: "table-wrap" }, table), empty, pager));

    function syncForm() {
      search.value = params.get("q") || "";
      ["status", "category", "priority", "sentiment"].forEach(function (name) {
        var chosen = (params.get(name) || "").split(",");
        Array.prototype.forEach.call(filterForm.querySelectorAll('input[name="' + name + '"]'), function (c) {
          c.checked = chosen.indexOf(c.value) !== -1;
        });
      });
      tagInput.value = params.get("tag") || "";
      requesterInput.value = params.get("requester") || "";
      fromInput.value = params.get("created_from") || "";
      toInput.value = params.get("created_to") || "";
      noteSelect.value = params.get("has_note") || "";
      sortSelect.value = params.get("sort") || "-created_at";
      perPageSelect.value = params.get("per_page") || "25";
      var active = ["status", "category", "priority", "sentiment", "tag", "has_note", "requester", "created_from", "created_to"]
        .filter(function (k) { return params.get(k); }).length;
      var summary = $("summary", filterForm);
      summary.textContent = active ? "Filters (" + active + ")" : "Filters";
      Array.prototype.forEach.call(thead.querySelectorAll("th[data-sort-key]"), function (th) {
        var sort = params.get("sort") || "-created_at";
        var key = th.dataset.sortKey;
        var dir = sort === key ? "ascending" : sort === "-" + key ? "descending" : null;
        if (dir) th.setAttribute("aria-sort", dir);
        else th.removeAttribute("aria-sort");
        $(".sort-arrow", th).textContent = dir === "ascending" ? " ▲" : dir === "descending" ? " ▼" : "";
      });
    }

    function formParams() {
      var p = new URLSearchParams();
      var q = search.value.trim();
      if (q) p.set("q", q);
      ["status", "category", "priority", "sentiment"].forEach(function (name) {
        var values = Array.prototype.filter
          .call(filterForm.querySelectorAll('input[name="' + name + '"]'), function (c) { return c.checked; })
          .map(function (c) { return c.value; });
        if (values.length) p.set(name, values.join(","));
      });
      var tags = tagInput.value.split(",").map(function (s) { return s.trim(); }).filter(Boolean);
      if (tags.length) p.set("tag", tags.join(","));
      if (requesterInput.value.trim()) p.set("requester", requesterInput.value.trim());
      if (noteSelect.value) p.set("has_note", noteSelect.value);
      if (fromInput.value) p.set("created_from", fromInput.value);
      if (toInput.value) p.set("created_to", toInput.value);
      if (sortSelect.value !== "-created_at") p.set("sort", sortSelect.value);
      if (perPageSelect.value !== "25") p.set("per_page", perPageSelect.value);
      return p;
    }

    function applyFilters(replace) {
      var q = search.value.trim();
      var jump = /^#(\d+)$/.exec(q);
      if (jump) {
        navigate("/tickets/" + jump[1]);
        return;
      }
      navigate("/tickets", formParams(), replace);
    }
    var debouncedSearch = debounce(function () {
      // Typing refines the same search: replace the history entry rather than add one per key.
      applyFilters(Boolean(params.get("q")) || !search.value.trim() ? true : false);
    }, 300);
    search.addEventListener("input", function () {
      var q = search.value.trim();
      if (/^#\d*$/.test(q)) {
        debouncedSearch.cancel();
        return; // "#123" jumps on Enter (or after a pause once digits are typed)
      }
      debouncedSearch();
    });
    var debouncedJump = debounce(function () {
      var jump = /^#(\d+)$/.exec(search.value.trim());
      if (jump) navigate("/tickets/" + jump[1]);
    }, 300);
    search.addEventListener("input", function () {
      if (/^#\d+$/.test(search.value.trim())) debouncedJump();
      else debouncedJump.cancel();
    });
    sortSelect.addEventListener("change", function () { applyFilters(false); });
    perPageSelect.addEventListener("change", function () { applyFilters(false); });

    function clearFilters() {
      navigate("/tickets", new URLSearchParams());
    }

    function goPage(delta) {
      var p = new URLSearchParams(params);
      var page = Math.max(1, (Number(p.get("page")) || 1) + delta);
      if (page === 1) p.delete("page");
      else p.set("page", String(page));
      navigate("/tickets", p);
    }

    function skeleton() {
      clear(tbody);
      var n = Math.min(Number(params.get("per_page")) || 25, 8);
      for (var i = 0; i < n; i++) {
        var row = el("tr", { class: "skeleton-row", "aria-hidden": "true" });
        for (var c = 0; c < 9; c++) row.appendChild(el("td", null, el("span", { class: "skeleton" })));
        tbody.appendChild(row);
      }
      table.setAttribute("aria-busy", "true");
    }

    function cell(labelText, content, cls) {
      return el("td", { "data-label": labelText, class: cls || null }, content);
    }
    function row(t) {
      var link = el("a", { href: "#/tickets/" + t.id, class: "subject-link" }, t.subject);
      return el("tr", { dataset: { id: t.id }, class: view.highlight === t.id ? "row-new" : null },
        cell("ID", "#" + t.id, "col-id"),
        cell("Subject", [link, t.requester_email ? el("span", { class: "sub muted" }, t.requester_email) : null], "col-subject"),
        cell("Status", badge("status", t.status)),
        cell("Priority", badge("priority", t.priority)),
        cell("Category", categoryCell(t)),
        cell("Sentiment", badge("sentiment", t.sentiment)),
        cell("Urgency", urgencyMeter(t.urgency_score)),
        cell("Tags", tagList(t.tags)),
        cell("Age", el("time", { datetime: t.created_at, title: fmtDate(t.created_at) }, fmtAge(t.created_at))));
    }

    function load() {
      seq += 1;
      var mine = seq;
      if (controller) controller.abort();
      controller = new AbortController();
      showError(errors, "");
      skeleton();
      var query = new URLSearchParams(params);
      if (!query.get("per_page")) query.set("per_page", "25");
      api("GET", "/api/tickets?" + query.toString(), null, { signal: controller.signal })
        .then(function (data) {
          if (mine !== seq) return;
          table.removeAttribute("aria-busy");
          clear(tbody);
          var items = data.items || [];
          items.forEach(function (t) { tbody.appendChild(row(t)); });
          var meta = data.meta || {};
          var count = meta.total_exact === false ? fmtNumber(meta.total) + "+" : fmtNumber(meta.total || 0);
          total.textContent = count + (meta.total === 1 && meta.total_exact !== false ? " ticket" : " tickets");
          total.dataset.total = String(meta.total || 0);
          empty.hidden = items.length > 0;
          table.hidden = items.length === 0;
          var pages = meta.pages || 0;
          var page = meta.page || 1;
          pageInfo.textContent = pages ? "Page " + page + " of " + fmtNumber(pages) + (meta.total_exact === false ? "+" : "") : "";
          prev.disabled = page <= 1;
          next.disabled = page >= pages;
          pager.hidden = pages <= 1 && page <= 1;
          if (lastFocusId) {
            var b = thead.querySelector('[data-sort="' + lastFocusId + '"]');
            if (b) b.focus();
            lastFocusId = null;
          }
        })
        .catch(function (err) {
          if (err && err.name === "AbortError") return;
          if (mine !== seq) return;
          table.removeAttribute("aria-busy");
          clear(tbody);
          table.hidden = true;
          empty.hidden = true;
          var unplaced = err.fields ? Object.keys(err.fields).map(function (k) {
            return label(k) + ": " + [].concat(err.fields[k]).join(" ");
          }) : [];
          showError(errors, errorText(err) + (unplaced.length ? " — " + unplaced.join("; ") : ""));
        });
    }

    function startExport() {
      var body = filtersFrom(params);
      exportButton.disabled = true;
      api("POST", "/api/exports", body)
        .then(function (job) {
          var p = new URLSearchParams();
          p.set("id", job.id);
          navigate("/exports", p);
        })
        .catch(function (err) {
          exportButton.disabled = false;
          showError(errors, notAvailable(err) ? "Exports are not available on this server yet." : errorText(err));
        });
    }

    view.update = function (nr) {
      params = nr.params;
      var focusInSearch = document.activeElement === search;
      if (!focusInSearch) syncForm();
      else syncFormExceptSearch();
      load();
    };
    function syncFormExceptSearch() {
      var v = search.value;
      syncForm();
      search.value = v;
    }
    view.destroy = function () {
      debouncedSearch.cancel();
      debouncedJump.cancel();
      if (controller) controller.abort();
    };
    view.highlight = Number(sessionStorage.getItem("ticketing.created")) || null;
    sessionStorage.removeItem("ticketing.created");

    syncForm();
    load();
    return view;
  }

  /* ======================= New ticket ======================= */
  function newTicketView(main) {
    var view = { name: "new" };
    var chosen = {}; // fields the person set themselves: a suggestion never overwrites these
    var suggestSeq = 0;
    var suggestController = null;

    var subject = el("input", { type: "text", name: "subject", maxlength: "200", required: true, autocomplete: "off" });
    var body = el("textarea", { name: "body", rows: "8", required: true });
    var email = el("input", { type: "email", name: "requester_email", autocomplete: "email" });
    var name = el("input", { type: "text", name: "requester_name", autocomplete: "name" });
    var tags = el("input", { type: "text", name: "tags", autocomplete: "off" });
    var category = select([["", "Let triage decide"]].concat(ENUMS.categories.map(function (c) { return [c, label(c)]; })), "", { name: "category" });
    var priority = select([["", "Let triage decide"]].concat(ENUMS.priorities.map(function (c) { return [c, label(c)]; })), "", { name: "priority" });
    var errors = errorBox();
    var submit = el("button", { type: "submit", class: "btn btn-primary" }, "Create ticket");

    [["subject", subject], ["category", category], ["priority", priority]].forEach(function (pair) {
      pair[1].addEventListener("input", function () {
        chosen[pair[0]] = pair[1].value !== "";
        renderSuggestion();
      });
    });

    var form = el("form", { class: "card form", novalidate: true, onsubmit: onSubmit },
      field("Subject", subject, { name: "subject" }),
      field("Description", body, { name: "body", hint: "Triage suggests a category and priority as you type." }),
      el("div", { class: "grid-2" },
        field("Requester email", email, { name: "requester_email" }),
        field("Requester name", name, { name: "requester_name" })),
      field("Tags", tags, { name: "tags", hint: "Comma-separated, e.g. refund, vip" }),
      el("div", { class: "grid-2" },
        field("Category", category, { name: "category" }),
        field("Priority", priority, { name: "priority" })),
      errors,
      el("div", { class: "form-actions" }, submit, el("a", { href: "#/tickets", class: "btn btn-ghost" }, "Cancel")));

    var suggestion = el("aside", { class: "card suggestion", "aria-live": "polite", "aria-label": "Triage suggestion", id: "suggestion" });
    var last = null; // last suggestion
    var suggestState = "idle"; // idle | loading | ready | error | unavailable
    var suggestMessage = "";

    main.appendChild(el("section", { class: "view view-new" },
      el("h1", { tabindex: "-1" }, "New ticket"),
      el("div", { class: "split" }, form, suggestion)));

    function applyField(key, value) {
      if (key === "subject") {
        if (chosen.subject || subject.value.trim()) return;
        subject.value = value;
      } else {
        if (chosen[key]) return;
        (key === "category" ? category : priority).value = value;
      }
      renderSuggestion();
    }

    function suggestionRow(title, value, key, applyValue) {
      var button = null;
      if (key) {
        var current = key === "subject" ? subject.value.trim() : (key === "category" ? category : priority).value;
        var mine = key === "subject" ? Boolean(chosen.subject || current) : Boolean(chosen[key]);
        if (current === applyValue) {
          button = el("span", { class: "applied" }, "✓ applied");
        } else if (mine) {
          button = el("span", { class: "kept muted" }, "your choice kept");
        } else {
          button = el("button", { type: "button", class: "btn btn-small", dataset: { apply: key },
            "aria-label": "Apply suggested " + title.toLowerCase(),
            onclick: function () { applyField(key, applyValue); } }, "Apply");
        }
      }
      return el("div", { class: "suggestion-row", dataset: { suggest: key || title.toLowerCase() } },
        el("dt", null, title), el("dd", null, el("span", { class: "suggestion-value" }, value), button));
    }

    var rendered = null;
    function renderSuggestion() {
      // Rebuild only when something shown changed: a rebuild under a pointer would eat a click.
      var key = JSON.stringify([suggestState, suggestMessage, last, chosen, subject.value.trim() !== "", category.value, priority.value, subject.value]);
      if (key === rendered) return;
      rendered = key;
      clear(suggestion);
      suggestion.appendChild(el("h2", null, "Triage suggestion"));
      if (suggestState === "idle") {
        suggestion.appendChild(el("p", { class: "muted" }, "Write at least 20 characters of description to see a suggested category, priority and title."));
        return;
      }
      if (suggestState === "loading" && !last) {
        suggestion.appendChild(el("p", { class: "muted loading" }, "Thinking…"));
        return;
      }
      if (suggestState === "error" || suggestState === "unavailable") {
        suggestion.appendChild(el("p", { class: "muted" }, suggestMessage));
        if (!last) return;
      }
      if (!last) return;
      var s = last;
      suggestion.dataset.source = s.source || "";
      var list = el("dl", { class: "suggestion-list" },
        suggestionRow("Category", label(s.category), "category", s.category),
        suggestionRow("Priority", label(s.priority), "priority", s.priority),
        suggestionRow("Sentiment", label(s.sentiment)),
        suggestionRow("Urgency", s.urgency_score === null || s.urgency_score === undefined ? "—" : s.urgency_score + " / 100"),
        s.suggested_title ? suggestionRow("Title", s.suggested_title, "subject", s.suggested_title) : null,
        suggestionRow("Source", (s.source === "claude" ? "Claude" : s.source === "fallback" ? "Local fallback" : label(s.source)) +
          (s.confidence !== null && s.confidence !== undefined ? " · " + fmtPercent(s.confidence) + " confident" : "")));
      suggestion.appendChild(list);
      if (s.explanation) suggestion.appendChild(el("p", { class: "explanation" }, s.explanation));
      var canApply = suggestion.querySelectorAll("button[data-apply]").length;
      if (canApply > 1) {
        suggestion.appendChild(el("button", { type: "button", class: "btn", dataset: { apply: "all" }, onclick: function () {
          applyField("category", s.category);
          applyField("priority", s.priority);
          if (s.suggested_title) applyField("subject", s.suggested_title);
        } }, "Apply all"));
      }
      if (suggestState === "loading") suggestion.appendChild(el("p", { class: "muted loading" }, "Updating…"));
    }

    var askSuggestion = debounce(function () {
      var text = body.value.trim();
      if (text.length < 20) return;
      suggestSeq += 1;
      var mine = suggestSeq;
      if (suggestController) suggestController.abort();
      suggestController = new AbortController();
      suggestState = "loading";
      renderSuggestion();
      var payload = { body: text };
      if (subject.value.trim()) payload.subject = subject.value.trim();
      api("POST", "/api/classify", payload, { signal: suggestController.signal })
        .then(function (result) {
          if (mine !== suggestSeq) return;
          last = result;
          suggestState = "ready";
          renderSuggestion();
        })
        .catch(function (err) {
          if (err && err.name === "AbortError") return;
          if (mine !== suggestSeq) return;
          suggestState = notAvailable(err) ? "unavailable" : "error";
          suggestMessage = notAvailable(err)
            ? "Suggestions are not available on this server."
            : "No suggestion: " + errorText(err);
          renderSuggestion();
        });
    }, 600);
    body.addEventListener("input", function () {
      if (body.value.trim().length >= 20) askSuggestion();
      else askSuggestion.cancel();
    });

    function onSubmit(e) {
      e.preventDefault();
      showError(errors, "");
      var payload = { subject: subject.value.trim(), body: body.value };
      if (email.value.trim()) payload.requester_email = email.value.trim();
      if (name.value.trim()) payload.requester_name = name.value.trim();
      var tagValues = tags.value.split(",").map(function (s) { return s.trim(); }).filter(Boolean);
      if (tagValues.length) payload.tags = tagValues;
      if (category.value) payload.category = category.value;
      if (priority.value) payload.priority = priority.value;
      submit.disabled = true;
      submit.textContent = "Creating…";
      api("POST", "/api/tickets", payload)
        .then(function (ticket) {
          changed();
          sessionStorage.setItem("ticketing.created", String(ticket.id));
          toast("Ticket #" + ticket.id + " created.", "ok");
          navigate("/tickets", new URLSearchParams());
        })
        .catch(function (err) {
          submit.disabled = false;
          submit.textContent = "Create ticket";
          var unplaced = setFieldErrors(form, err.fields);
          showError(errors, err.fields ? (unplaced.length ? unplaced.join(" ") : "Please correct the highlighted fields.") : errorText(err));
        });
    }

    view.destroy = function () {
      askSuggestion.cancel();
      if (suggestController) suggestController.abort();
    };
    renderSuggestion();
    return view;
  }

  /* ======================= Ticket detail ======================= */
  function ticketDetailView(main, r) {
    var id = Number(r.parts[1]);
    var view = { name: "ticket" };
    var ticket = null;
    var alive = true;
    var section = el("section", { class: "view view-ticket" });
    main.appendChild(section);

    if (!id) {
      section.appendChild(el("h1", { tabindex: "-1" }, "Ticket not found"));
      return view;
    }
    section.appendChild(el("h1", { tabindex: "-1", class: "skeleton-title" }, "Ticket #" + id));
    section.appendChild(el("p", { class: "muted" }, "Loading…"));

    function load() {
      return api("GET", "/api/tickets/" + id).then(function (t) {
        if (!alive) return;
        ticket = t;
        // Keep keyboard focus on the heading when the placeholder heading had it.
        var refocus = document.activeElement && document.activeElement.tagName === "H1" && section.contains(document.activeElement);
        render();
        if (refocus) $("h1", section).focus({ preventScroll: true });
      }).catch(function (err) {
        if (!alive) return;
        clear(section);
        section.appendChild(el("h1", { tabindex: "-1" }, err.status === 404 ? "Ticket #" + id + " not found" : "Ticket #" + id));
        var box = errorBox();
        showError(box, errorText(err));
        section.appendChild(box);
        section.appendChild(el("p", null, el("a", { href: "#/tickets" }, "Back to tickets")));
      });
    }

    var summary, editMessage, repliesBox, historyBox, eventsBox, classifyBox;

    function render() {
      clear(section);
      var t = ticket;
      summary = el("div", { class: "ticket-summary" });
      editMessage = errorBox();
      editMessage.id = "edit-error";
      classifyBox = el("div", { class: "classify-status", "aria-live": "polite", id: "classify-status" });
      repliesBox = el("div", { class: "replies" });
      historyBox = el("div", { class: "history" });
      eventsBox = el("div", { class: "events" });

      section.appendChild(el("p", { class: "breadcrumb" }, el("a", { href: "#/tickets" }, "← Tickets")));
      section.appendChild(el("h1", { tabindex: "-1", id: "ticket-subject" }, el("span", { class: "muted" }, "#" + t.id + " "), t.subject));
      section.appendChild(summary);
      renderSummary();

      var bodyCard = el("article", { class: "card ticket-body" },
        el("h2", null, "Description"),
        el("p", { class: "meta muted" }, "From ",
          el("span", { class: "requester" }, t.requester_name || t.requester_email || "unknown requester"),
          t.requester_name && t.requester_email ? el("span", null, " <", t.requester_email, ">") : null,
          " · ", fmtDate(t.created_at)),
        el("div", { class: "body-text" }, t.body),
        t.explanation ? el("p", { class: "explanation" }, el("strong", null, "Triage: "), t.explanation) : null,
        t.suggested_title ? el("p", { class: "muted" }, "Suggested title: ", t.suggested_title) : null);

      var left = el("div", { class: "col-main" }, bodyCard, repliesCard(), historyCard(), eventsCard());
      var right = el("div", { class: "col-side" }, editCard());
      section.appendChild(el("div", { class: "detail-grid" }, left, right));
      if (lastClassify) showClassify(lastClassify[0], lastClassify[1]);
      loadReplies();
      loadHistory();
      loadEvents();
    }

    function renderSummary() {
      var t = ticket;
      clear(summary);
      summary.appendChild(el("div", { class: "chips" },
        badge("status", t.status),
        el("span", { class: "chip" }, "Priority: ", badge("priority", t.priority), " ", sourceMark(t.priority_source)),
        el("span", { class: "chip" }, "Category: ", categoryCell(t)),
        el("span", { class: "chip" }, "Sentiment: ", badge("sentiment", t.sentiment)),
        el("span", { class: "chip" }, "Urgency: ", urgencyMeter(t.urgency_score)),
        t.triage_status ? el("span", { class: "chip", dataset: { triage: t.triage_status } }, "Triage: " + label(t.triage_status)) : null));
      if (t.triage_error) summary.appendChild(el("p", { class: "muted" }, "Last triage error: ", t.triage_error));
    }

    /* edit card: every control saves on its own with an optimistic update */
    function editCard() {
      var t = ticket;
      var status = select(ENUMS.statuses, t.status, { name: "status" });
      var category = select([["", "Unclassified"]].concat(ENUMS.categories.map(function (c) { return [c, label(c)]; })), t.category, { name: "category" });
      var priority = select([["", "None"]].concat(ENUMS.priorities.map(function (c) { return [c, label(c)]; })), t.priority, { name: "priority" });
      var note = el("textarea", { name: "note", rows: "4" });
      note.value = t.note || "";
      var tags = el("input", { type: "text", name: "tags", autocomplete: "off" });
      tags.value = (t.tags || []).join(", ");
      var saveNote = el("button", { type: "button", class: "btn btn-small" }, "Save note");
      var saveTags = el("button", { type: "button", class: "btn btn-small" }, "Save tags");
      var classify = el("button", { type: "button", class: "btn btn-primary", id: "classify" }, "Classify");

      function patch(changes, control, previous) {
        var before = {};
        Object.keys(changes).forEach(function (k) {
          before[k] = ticket[k];
          before[k + "_source"] = ticket[k + "_source"];
        });
        // Optimistic: show the change at once, undo it if the server refuses.
        Object.keys(changes).forEach(function (k) {
          ticket[k] = changes[k];
          if (k === "category" || k === "priority") ticket[k + "_source"] = changes[k] === null ? null : "manual";
        });
        renderSummary();
        showError(editMessage, "");
        control.setAttribute("aria-busy", "true");
        return api("PATCH", "/api/tickets/" + id, changes)
          .then(function (fresh) {
            control.removeAttribute("aria-busy");
            if (!alive) return;
            ticket = fresh;
            renderSummary();
            toast("Saved.", "ok");
            changed();
            loadEvents();
          })
          .catch(function (err) {
            control.removeAttribute("aria-busy");
            if (!alive) return;
            Object.keys(before).forEach(function (k) { ticket[k] = before[k]; });
            renderSummary();
            previous();
            var detail = err.fields ? Object.keys(err.fields).map(function (k) {
              return label(k) + ": " + [].concat(err.fields[k]).join(" ");
            }).join(" ") : "";
            showError(editMessage, "Not saved — " + errorText(err) + (detail ? " " + detail : ""));
          });
      }

      function onSelect(control, key) {
        var prevValue = ticket[key] === null || ticket[key] === undefined ? "" : ticket[key];
        control.addEventListener("focus", function () {
          prevValue = control.value;
        });
        control.addEventListener("change", function () {
          var old = prevValue;
          var change = {};
          change[key] = control.value === "" ? null : control.value;
          prevValue = control.value;
          patch(change, control, function () {
            control.value = old;
            prevValue = old;
          });
        });
      }
      onSelect(status, "status");
      onSelect(category, "category");
      onSelect(priority, "priority");

      saveNote.addEventListener("click", function () {
        var old = ticket.note || "";
        patch({ note: note.value.trim() === "" ? null : note.value }, note, function () { note.value = old; });
      });
      function submitTags() {
        var old = (ticket.tags || []).join(", ");
        var values = tags.value.split(",").map(function (s) { return s.trim(); }).filter(Boolean);
        patch({ tags: values }, tags, function () { tags.value = old; });
      }
      saveTags.addEventListener("click", submitTags);
      tags.addEventListener("keydown", function (e) {
        if (e.key === "Enter") {
          e.preventDefault();
          submitTags();
        }
      });
      classify.addEventListener("click", function () { runClassify(classify); });

      return el("aside", { class: "card edit-card", "aria-label": "Edit ticket" },
        el("h2", null, "Triage"),
        field("Status", status, { name: "status" }),
        field("Category", category, { name: "category" }),
        field("Priority", priority, { name: "priority" }),
        field("Tags", tags, { name: "tags", hint: "Comma-separated; Enter saves" }),
        el("div", { class: "inline-actions" }, saveTags),
        field("Internal note", note, { name: "note" }),
        el("div", { class: "inline-actions" }, saveNote),
        editMessage,
        el("div", { class: "classify" }, classify, classifyBox));
    }

    /* classify: start a job, poll it until done or failed */
    function runClassify(button) {
      button.disabled = true;
      showClassify("Queued…", "queued");
      api("POST", "/api/tickets/" + id + "/classify", {})
        .then(function (job) {
          return pollJob(job);
        })
        .then(function (job) {
          if (!alive) return;
          button.disabled = false;
          if (job.status === "done") {
            showClassify("Classification finished.", "done");
            changed();
            return load();
          }
          showClassify("Classification failed: " + (job.error || "unknown error"), "failed");
        })
        .catch(function (err) {
          if (!alive) return;
          button.disabled = false;
          showClassify(notAvailable(err) ? "Classification is not available on this server." : errorText(err), "failed");
        });
    }
    function pollJob(job) {
      var url = job.status_url || "/api/jobs/" + job.id;
      var delay = 400;
      var deadline = Date.now() + 120000;
      function step(current) {
        if (!alive) return Promise.resolve(current);
        if (current.status === "done" || current.status === "failed") return Promise.resolve(current);
        if (Date.now() > deadline) {
          return Promise.resolve({ status: "failed", error: "still " + (current.status || "queued") + " after 2 minutes; check back later" });
        }
        showClassify(current.status === "running" ? "Running…" : "Queued…", current.status || "queued");
        return wait(delay).then(function () {
          delay = Math.min(delay * 1.5, 3000);
          return api("GET", url).then(step);
        });
      }
      return step(job);
    }
    var lastClassify = null; // survives the re-render that follows a finished job
    function showClassify(text, status) {
      lastClassify = [text, status];
      if (!classifyBox) return;
      clear(classifyBox);
      classifyBox.dataset.status = status;
      if (status === "queued" || status === "running") classifyBox.appendChild(el("span", { class: "spinner", "aria-hidden": "true" }));
      classifyBox.appendChild(el("span", null, text));
    }

    /* replies */
    function repliesCard() {
      var textarea = el("textarea", { name: "reply", rows: "3", required: true });
      var internal = el("input", { type: "checkbox", name: "internal", id: nextId("internal") });
      var errors = errorBox();
      var button = el("button", { type: "submit", class: "btn btn-primary" }, "Add reply");
      var form = el("form", { class: "reply-form", novalidate: true }, field("Reply", textarea, { name: "body" }),
        el("div", { class: "check" }, internal, el("label", { for: internal.id }, "Internal note (not visible to the requester)")),
        errors, el("div", { class: "form-actions" }, button));
      form.addEventListener("submit", function (e) {
        e.preventDefault();
        showError(errors, "");
        button.disabled = true;
        api("POST", "/api/tickets/" + id + "/replies", { body: textarea.value, internal: internal.checked })
          .then(function () {
            button.disabled = false;
            textarea.value = "";
            internal.checked = false;
            setFieldErrors(form, {});
            toast("Reply added.", "ok");
            loadReplies();
            loadEvents();
            changed();
          })
          .catch(function (err) {
            button.disabled = false;
            var unplaced = setFieldErrors(form, err.fields);
            showError(errors, err.fields ? unplaced.join(" ") : errorText(err));
          });
      });
      return el("section", { class: "card", "aria-labelledby": "replies-h" },
        el("h2", { id: "replies-h" }, "Conversation"), repliesBox, form);
    }
    function loadReplies() {
      api("GET", "/api/tickets/" + id + "/replies").then(function (data) {
        if (!alive) return;
        clear(repliesBox);
        var items = listOf(data);
        if (!items.length) {
          repliesBox.appendChild(el("p", { class: "muted" }, "No replies yet."));
          return;
        }
        var list = el("ol", { class: "thread" });
        items.forEach(function (rep) {
          list.appendChild(el("li", { class: "reply" + (rep.internal ? " reply-internal" : ""), dataset: { internal: rep.internal ? "true" : "false" } },
            el("div", { class: "reply-head" },
              el("strong", null, rep.author_name || rep.author_email || "Staff"),
              " ", el("span", { class: "badge " + (rep.internal ? "badge-internal" : "badge-public") }, rep.internal ? "Internal" : "Public"),
              " ", el("time", { class: "muted", datetime: rep.created_at }, fmtDate(rep.created_at))),
            el("div", { class: "body-text" }, rep.body)));
        });
        repliesBox.appendChild(list);
      }).catch(function (err) {
        if (!alive) return;
        clear(repliesBox);
        repliesBox.appendChild(el("p", { class: "error-box" }, errorText(err)));
      });
    }

    /* triage history */
    function historyCard() {
      return el("section", { class: "card", "aria-labelledby": "history-h" }, el("h2", { id: "history-h" }, "Triage history"), historyBox);
    }
    function loadHistory() {
      api("GET", "/api/tickets/" + id + "/classifications").then(function (data) {
        if (!alive) return;
        clear(historyBox);
        var items = listOf(data);
        if (!items.length) {
          historyBox.appendChild(el("p", { class: "muted" }, "Not classified by triage yet."));
          return;
        }
        var list = el("ol", { class: "history-list" });
        items.forEach(function (c) {
          list.appendChild(el("li", { class: "history-item" + (c.error ? " history-error" : "") },
            el("div", { class: "reply-head" },
              el("strong", null, c.source === "claude" ? "Claude" : c.source === "fallback" ? "Local fallback" : label(c.source)),
              c.model ? el("span", { class: "muted" }, " · " + c.model) : null,
              " ", el("time", { class: "muted", datetime: c.created_at }, fmtDate(c.created_at)),
              c.latency_ms !== null && c.latency_ms !== undefined ? el("span", { class: "muted" }, " · " + c.latency_ms + " ms") : null),
            c.error ? el("p", { class: "muted" }, "Error: ", c.error) : el("p", { class: "chips" },
              badge("category", c.category), badge("priority", c.priority), badge("sentiment", c.sentiment),
              el("span", { class: "chip" }, "Urgency " + (c.urgency_score === null || c.urgency_score === undefined ? "—" : c.urgency_score)),
              el("span", { class: "chip" }, fmtPercent(c.confidence) + " confident")),
            c.explanation ? el("p", { class: "explanation" }, c.explanation) : null,
            c.suggested_title ? el("p", { class: "muted" }, "Suggested title: ", c.suggested_title) : null));
        });
        historyBox.appendChild(list);
      }).catch(function (err) {
        if (!alive) return;
        clear(historyBox);
        historyBox.appendChild(el("p", { class: "muted" }, notAvailable(err) ? "Triage history is not available on this server." : errorText(err)));
      });
    }

    /* audit trail */
    function eventsCard() {
      return el("section", { class: "card", "aria-labelledby": "events-h" }, el("h2", { id: "events-h" }, "Activity"), eventsBox);
    }
    function loadEvents() {
      api("GET", "/api/tickets/" + id + "/events").then(function (data) {
        if (!alive) return;
        clear(eventsBox);
        var items = listOf(data);
        if (!items.length) {
          eventsBox.appendChild(el("p", { class: "muted" }, "No activity recorded."));
          return;
        }
        var list = el("ol", { class: "events-list" });
        items.forEach(function (ev) {
          var what = ev.field
            ? [label(ev.field) + ": ", el("del", null, ev.old_value === null || ev.old_value === undefined ? "—" : ev.old_value), " → ",
               el("ins", null, ev.new_value === null || ev.new_value === undefined ? "—" : ev.new_value)]
            : [label(ev.action)];
          list.appendChild(el("li", { class: "event" },
            el("time", { class: "muted", datetime: ev.created_at }, fmtDate(ev.created_at)), " ",
            el("strong", null, ev.actor_label || label(ev.actor_type)),
            ev.via ? el("span", { class: "muted" }, " via " + ev.via) : null,
            " — ", ev.field ? label(ev.action) + " · " : null, what));
        });
        eventsBox.appendChild(list);
      }).catch(function (err) {
        if (!alive) return;
        clear(eventsBox);
        eventsBox.appendChild(el("p", { class: "muted" }, notAvailable(err) ? "The audit trail is not available on this server." : errorText(err)));
      });
    }

    view.destroy = function () { alive = false; };
    load();
    return view;
  }

  /* ======================= Dashboard ======================= */
  function dashboardView(main, r) {
    var view = { name: "dashboard" };
    var alive = true;
    var params = r.params;
    var counters = el("div", { class: "counters", id: "counters" });
    var charts = el("div", { class: "charts" });
    var triage = el("div", { class: "card triage", id: "triage" });
    var errors = errorBox();
    var updated = el("p", { class: "muted updated", "aria-live": "polite" });
    var refresh = el("button", { type: "button", class: "btn btn-small", onclick: load }, "Refresh");
    main.appendChild(el("section", { class: "view view-dashboard" },
      el("div", { class: "view-head" }, el("h1", { tabindex: "-1" }, "Dashboard"), el("div", { class: "toolbar-actions" }, updated, refresh)),
      errors, counters, charts, triage));

    function counter(key, title, value, fmt) {
      return el("div", { class: "card counter", dataset: { key: key, value: value === null || value === undefined ? "" : value } },
        el("span", { class: "counter-label" }, title),
        el("span", { class: "counter-value" }, fmt ? fmt(value) : fmtNumber(value)));
    }

    // Charts are drawn at the pixel width they get, so their text stays 12px on any screen.
    function chartWidths() {
      var total = Math.max(280, charts.clientWidth || 600);
      var narrow = window.matchMedia("(max-width: 720px)").matches;
      var card = 34; // card padding and borders
      return { half: Math.floor((narrow ? total : (total - 16) / 2) - card), full: Math.floor(total - card) };
    }

    function barChart(title, key, map, order, width) {
      map = map || {};
      var keys = Object.keys(map);
      if (order) {
        keys.sort(function (a, b) {
          var ia = order.indexOf(a), ib = order.indexOf(b);
          return (ia === -1 ? 99 : ia) - (ib === -1 ? 99 : ib);
        });
      }
      var max = Math.max.apply(null, [1].concat(keys.map(function (k) { return Number(map[k]) || 0; })));
      var rowH = 28, labelW = Math.min(110, Math.round(width * 0.32)), valueW = 56;
      var barMax = width - labelW - valueW;
      var height = Math.max(rowH, keys.length * rowH);
      var chart = svg("svg", { viewBox: "0 0 " + width + " " + height, class: "chart", role: "img", "aria-labelledby": "chart-" + key + "-t", preserveAspectRatio: "xMinYMin meet" },
        svg("title", { id: "chart-" + key + "-t" }, title));
      keys.forEach(function (k, i) {
        var v = Number(map[k]) || 0;
        var w = Math.round((v / max) * barMax);
        var y = i * rowH;
        chart.appendChild(svg("g", { class: "bar bar-" + key + " " + key + "-" + k, dataset: { key: k, value: v } },
          svg("title", null, label(k) + ": " + fmtNumber(v)),
          svg("text", { x: labelW - 8, y: y + rowH / 2, "text-anchor": "end", "dominant-baseline": "middle", class: "chart-label" }, label(k)),
          svg("rect", { x: labelW, y: y + 5, width: Math.max(w, v > 0 ? 2 : 0), height: rowH - 10, rx: 3, class: "chart-bar" }),
          svg("text", { x: labelW + w + 6, y: y + rowH / 2, "dominant-baseline": "middle", class: "chart-value" }, fmtNumber(v))));
      });
      var table = dataTable(title, keys.map(function (k) { return [label(k), fmtNumber(map[k])]; }));
      return el("figure", { class: "card chart-card", dataset: { chart: key } }, el("figcaption", null, title),
        keys.length ? chart : el("p", { class: "muted" }, "No data."), table);
    }

    function dataTable(title, rows) {
      // The same numbers as a table for screen readers.
      var t = el("table", { class: "visually-hidden" }, el("caption", null, title));
      rows.forEach(function (row) { t.appendChild(el("tr", null, el("th", { scope: "row" }, row[0]), el("td", null, row[1]))); });
      return t;
    }

    // A round top for the axis whose half is a whole number too (0, 2, 4 rather than 0, 2, 3).
    function niceTop(m) {
      if (m <= 10) return m % 2 ? m + 1 : m;
      var exp = Math.pow(10, Math.floor(Math.log10(m)));
      var f = m / exp;
      return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * exp;
    }

    function perDayChart(days, width) {
      days = days || [];
      var height = 200, padL = 34, padB = 22, padT = 10;
      var max = niceTop(Math.max.apply(null, [1].concat(days.map(function (d) { return Number(d.count) || 0; }))));
      var plotW = width - padL - 6, plotH = height - padB - padT;
      var step = days.length ? plotW / days.length : plotW;
      var chart = svg("svg", { viewBox: "0 0 " + width + " " + height, class: "chart chart-days", role: "img", "aria-labelledby": "chart-days-t" },
        svg("title", { id: "chart-days-t" }, "Tickets per day, last " + days.length + " days"));
      [0, 0.5, 1].forEach(function (f) {
        var y = padT + plotH - f * plotH;
        chart.appendChild(svg("line", { x1: padL, x2: width - 6, y1: y, y2: y, class: "grid-line" }));
        chart.appendChild(svg("text", { x: padL - 6, y: y, "text-anchor": "end", "dominant-baseline": "middle", class: "chart-axis" }, fmtNumber(Math.round(max * f))));
      });
      days.forEach(function (d, i) {
        var v = Number(d.count) || 0;
        var h = (v / max) * plotH;
        var x = padL + i * step + 1;
        chart.appendChild(svg("g", { class: "day", dataset: { date: d.date, value: v } },
          svg("title", null, d.date + ": " + fmtNumber(v)),
          svg("rect", { x: x, y: padT + plotH - h, width: Math.max(1, step - 2), height: Math.max(h, v ? 1 : 0), class: "chart-bar" })));
        var last = days.length - 1;
        if ((i % 7 === 0 && last - i >= 4) || i === last) {
          var end = i === last;
          chart.appendChild(svg("text", { x: end ? padL + plotW : x + step / 2, y: height - 6, "text-anchor": end ? "end" : "middle", class: "chart-axis" }, String(d.date).slice(5)));
        }
      });
      return el("figure", { class: "card chart-card chart-wide", dataset: { chart: "per_day" } },
        el("figcaption", null, "Tickets per day (30 days)"), chart,
        dataTable("Tickets per day", days.map(function (d) { return [d.date, fmtNumber(d.count)]; })));
    }

    function renderTriage(data) {
      clear(triage);
      triage.appendChild(el("h2", null, "Triage"));
      if (!data || typeof data !== "object" || !Object.keys(data).length) {
        triage.appendChild(el("p", { class: "muted" }, "No triage figures."));
        return;
      }
      var agreement = data.agreement && typeof data.agreement === "object" ? data.agreement : null;
      if (agreement) {
        var head = el("div", { class: "agreement" });
        Object.keys(agreement).forEach(function (k) {
          var a = agreement[k] || {};
          var rate = typeof a === "number" ? a : a.rate;
          head.appendChild(el("div", { class: "counter agreement-item", dataset: { key: "agreement." + k, value: rate === null || rate === undefined ? "" : rate } },
            el("span", { class: "counter-label" }, label(k) + " agreement"),
            el("span", { class: "counter-value" }, rate === null || rate === undefined ? "—" : fmtPercent(rate)),
            a.compared === undefined ? null : el("span", { class: "muted small" }, a.compared
              ? fmtNumber(a.agreed) + " of " + fmtNumber(a.compared) + " kept as triaged"
              : "nothing triaged to compare yet")));
        });
        triage.appendChild(head);
      }
      var rest = {};
      Object.keys(data).forEach(function (k) { if (!(agreement && k === "agreement")) rest[k] = data[k]; });
      triage.appendChild(definitionList(rest, "triage"));
    }
    function definitionList(obj, path) {
      var dl = el("dl", { class: "kv" });
      Object.keys(obj).forEach(function (k) {
        var v = obj[k];
        var keyPath = path + "." + k;
        var value;
        if (v !== null && typeof v === "object" && !Array.isArray(v)) {
          value = definitionList(v, keyPath);
        } else if (typeof v === "number" && /rate|agreement|ratio|share/i.test(k) && v <= 1) {
          value = fmtPercent(v);
        } else if (typeof v === "number") {
          value = fmtNumber(v);
        } else {
          value = v === null || v === undefined ? "—" : String(v);
        }
        dl.appendChild(el("div", { class: "kv-row", dataset: { key: keyPath, value: v !== null && typeof v === "object" ? "" : v === null ? "" : v } },
          el("dt", null, label(k)), el("dd", null, value)));
      });
      return dl;
    }

    function render(s) {
      clear(counters);
      counters.appendChild(counter("total", "Total tickets", s.total));
      counters.appendChild(counter("open", "Open", s.open));
      counters.appendChild(counter("avg_per_day", "Avg per day", s.avg_per_day));
      counters.appendChild(counter("avg_urgency_score", "Avg urgency", s.avg_urgency_score));
      counters.appendChild(counter("median_resolution_hours", "Median resolution", s.median_resolution_hours,
        function (v) { return v === null || v === undefined ? "—" : fmtNumber(v) + " h"; }));
      clear(charts);
      var w = chartWidths();
      charts.appendChild(barChart("By status", "status", s.by_status, ENUMS.statuses, w.half));
      charts.appendChild(barChart("By category", "category", s.by_category, ENUMS.categories.concat(["unclassified"]), w.half));
      charts.appendChild(barChart("By priority", "priority", s.by_priority, ENUMS.priorities.concat(["unset"]), w.half));
      charts.appendChild(barChart("By sentiment", "sentiment", s.by_sentiment, ENUMS.sentiments.concat(["unset"]), w.half));
      charts.appendChild(perDayChart(s.per_day, w.full));
      lastStats = s;
      renderTriage(s.triage);
      updated.textContent = "Updated " + new Date().toLocaleTimeString("en-GB");
    }

    var lastStats = null;
    var onResize = debounce(function () { if (lastStats && alive) render(lastStats); }, 200);
    window.addEventListener("resize", onResize);

    var loading = false;
    function load() {
      if (loading) return;
      loading = true;
      main.querySelector(".view-dashboard").setAttribute("aria-busy", "true");
      var q = new URLSearchParams();
      Object.keys(filtersFrom(params)).forEach(function (k) { q.set(k, params.get(k)); });
      var qs = q.toString();
      api("GET", "/api/stats" + (qs ? "?" + qs : "")).then(function (s) {
        loading = false;
        if (!alive) return;
        main.querySelector(".view-dashboard").removeAttribute("aria-busy");
        showError(errors, "");
        render(s || {});
      }).catch(function (err) {
        loading = false;
        if (!alive) return;
        main.querySelector(".view-dashboard").removeAttribute("aria-busy");
        showError(errors, notAvailable(err) ? "Statistics are not available on this server yet." : errorText(err));
      });
    }
    function onChanged() { load(); }
    function onVisible() { if (document.visibilityState === "visible") load(); }
    document.addEventListener("tickets:changed", onChanged);
    document.addEventListener("visibilitychange", onVisible);
    var timer = setInterval(function () { if (document.visibilityState === "visible") load(); }, 60000);
    view.update = function (nr) { params = nr.params; load(); };
    view.destroy = function () {
      alive = false;
      clearInterval(timer);
      window.removeEventListener("resize", onResize);
      document.removeEventListener("tickets:changed", onChanged);
      document.removeEventListener("visibilitychange", onVisible);
    };
    load();
    return view;
  }

  /* ======================= Exports ======================= */
  function exportsView(main, r) {
    var view = { name: "exports" };
    var alive = true;
    var current = el("div", { class: "card export-current", id: "export-current", "aria-live": "polite", hidden: true });
    var listBox = el("div", { class: "exports-list" });
    var errors = errorBox();
    main.appendChild(el("section", { class: "view view-exports" },
      el("h1", { tabindex: "-1" }, "Exports"),
      el("p", { class: "muted" }, "Start an export from the ", el("a", { href: "#/tickets" }, "ticket list"),
        " with “Export these results”: it exports every ticket matching the list's filters as CSV."),
      errors, current, el("section", { class: "card" }, el("h2", null, "Recent exports"), listBox)));

    function downloadLink(x) {
      var href = safeUrl(x.download_url || "/api/exports/" + encodeURIComponent(x.id) + "/download");
      return href ? el("a", { href: href, class: "btn btn-small btn-primary", download: "", dataset: { download: x.id } }, "Download CSV") : null;
    }
    function describe(x) {
      var bits = [];
      if (x.row_count !== null && x.row_count !== undefined) bits.push(fmtNumber(x.row_count) + " rows");
      if (x.size_bytes !== null && x.size_bytes !== undefined) bits.push(fmtBytes(x.size_bytes));
      if (x.expires_at) bits.push((x.status === "expired" ? "expired " : "expires ") + fmtDate(x.expires_at));
      return bits.join(" · ");
    }
    function filterSummary(f) {
      if (!f || typeof f !== "object") return "All tickets";
      var keys = Object.keys(f).filter(function (k) { return f[k] !== null && f[k] !== "" && f[k] !== undefined; });
      if (!keys.length) return "All tickets";
      return keys.map(function (k) { return label(k) + ": " + [].concat(f[k]).join(", "); }).join(" · ");
    }

    function showCurrent(x) {
      clear(current);
      current.hidden = false;
      current.dataset.status = x.status;
      current.appendChild(el("h2", null, "Your export"));
      var status = el("p", { class: "export-status" });
      if (x.status === "pending" || x.status === "running") {
        status.appendChild(el("span", { class: "spinner", "aria-hidden": "true" }));
        status.appendChild(el("span", null, x.status === "pending" ? "Waiting for a worker…" : "Writing the CSV…"));
        current.appendChild(status);
        current.appendChild(el("progress", { "aria-label": "Export progress" }));
      } else if (x.status === "done") {
        status.appendChild(el("span", null, "Ready. " + describe(x)));
        current.appendChild(status);
        current.appendChild(downloadLink(x));
      } else {
        status.appendChild(el("span", null, label(x.status) + (x.error ? ": " + x.error : "")));
        current.appendChild(status);
      }
    }

    function poll(id) {
      var delay = 400;
      var deadline = Date.now() + 600000;
      function step() {
        if (!alive) return;
        api("GET", "/api/exports/" + encodeURIComponent(id)).then(function (x) {
          if (!alive) return;
          showCurrent(x);
          if ((x.status === "pending" || x.status === "running") && Date.now() < deadline) {
            delay = Math.min(delay * 1.5, 3000);
            setTimeout(step, delay);
          } else {
            loadList();
          }
        }).catch(function (err) {
          if (!alive) return;
          current.hidden = false;
          clear(current);
          current.appendChild(el("p", { class: "error-box" }, errorText(err)));
        });
      }
      step();
    }

    function loadList() {
      api("GET", "/api/exports").then(function (data) {
        if (!alive) return;
        clear(listBox);
        var items = listOf(data);
        if (!items.length) {
          listBox.appendChild(el("p", { class: "muted" }, "No exports yet."));
          return;
        }
        var list = el("ul", { class: "export-items" });
        items.forEach(function (x) {
          list.appendChild(el("li", { class: "export-item", dataset: { id: x.id, status: x.status } },
            el("div", null, badge("export", x.status), " ", el("span", { class: "muted" }, fmtDate(x.created_at))),
            el("div", { class: "muted small" }, filterSummary(x.filters)),
            el("div", { class: "small" }, describe(x)),
            x.status === "failed" && x.error ? el("div", { class: "small field-error" }, x.error) : null,
            x.status === "done" ? downloadLink(x) : null));
        });
        listBox.appendChild(list);
      }).catch(function (err) {
        if (!alive) return;
        clear(listBox);
        listBox.appendChild(el("p", { class: "muted" }, notAvailable(err) ? "Exports are not available on this server yet." : errorText(err)));
      });
    }

    view.update = function (nr) {
      var id = nr.params.get("id");
      if (id) poll(id);
      else current.hidden = true;
      loadList();
    };
    view.destroy = function () { alive = false; };
    view.update(r);
    return view;
  }

  /* ======================= Login ======================= */
  function loginView(main, r) {
    var view = { name: "login" };
    var email = el("input", { type: "email", name: "email", autocomplete: "username", required: true });
    var password = el("input", { type: "password", name: "password", autocomplete: "current-password", required: true });
    var errors = errorBox();
    var button = el("button", { type: "submit", class: "btn btn-primary" }, "Sign in");
    var form = el("form", { class: "card form narrow", novalidate: true },
      field("Email", email, { name: "email" }), field("Password", password, { name: "password" }), errors,
      el("div", { class: "form-actions" }, button));
    main.appendChild(el("section", { class: "view view-login" }, el("h1", { tabindex: "-1" }, "Sign in"), form,
      el("p", { class: "muted center" }, "Customers: ", el("a", { href: "/submit" }, "submit a request"), " without an account.")));
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      showError(errors, "");
      button.disabled = true;
      api("POST", "/api/auth/login", { email: email.value.trim(), password: password.value }, { allow401: true })
        .then(function (data) {
          button.disabled = false;
          acceptSession(data);
          var next = r.params.get("next");
          if (next && next.charAt(0) === "#" && next.indexOf("#/login") !== 0) window.location.hash = next;
          else navigate("/tickets");
        })
        .catch(function (err) {
          button.disabled = false;
          password.value = "";
          if (err.fields) {
            var unplaced = setFieldErrors(form, err.fields);
            showError(errors, unplaced.join(" "));
          } else {
            showError(errors, err.status === 401 ? "Wrong email or password." : notAvailable(err) ? "Sign-in is not available on this server." : errorText(err));
          }
        });
    });
    return view;
  }

  /* Your account: change your own password (POST /api/auth/password). */
  function accountView(main) {
    var view = { name: "account" };
    var who = state.user && !state.user.anonymous ? state.user.name + " (" + state.user.email + ", " + state.user.role + ")" : "";
    var current = el("input", { type: "password", name: "current_password", autocomplete: "current-password", required: true });
    var fresh = el("input", { type: "password", name: "new_password", autocomplete: "new-password", required: true, minlength: "12" });
    var again = el("input", { type: "password", name: "confirm_password", autocomplete: "new-password", required: true });
    var errors = errorBox();
    var button = el("button", { type: "submit", class: "btn btn-primary" }, "Change password");
    var form = el("form", { class: "card form narrow", novalidate: true },
      el("h2", null, "Change password"),
      field("Current password", current, { name: "current_password" }),
      field("New password", fresh, { name: "new_password", hint: "At least 12 characters." }),
      field("New password again", again, { name: "confirm_password" }),
      errors,
      el("div", { class: "form-actions" }, button));
    main.appendChild(el("section", { class: "view view-account" }, el("h1", { tabindex: "-1" }, "Your account"),
      el("p", { class: "muted" }, who), form));
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      showError(errors, "");
      setFieldErrors(form, {});
      if (fresh.value !== again.value) {
        setFieldErrors(form, { confirm_password: ["The two new passwords differ."] });
        return;
      }
      button.disabled = true;
      api("POST", "/api/auth/password", { current_password: current.value, new_password: fresh.value })
        .then(function () { return checkSession(); })
        .then(function () {
          button.disabled = false;
          form.reset();
          toast("Password changed.");
        })
        .catch(function (err) {
          button.disabled = false;
          if (err.fields) showError(errors, setFieldErrors(form, err.fields).join(" "));
          else showError(errors, errorText(err));
        });
    });
    return view;
  }

  function acceptSession(data) {
    data = data || {};
    state.user = data.user || data;
    state.csrf = data.csrf_token || state.csrf;
    state.authChecked = true;
    renderNav();
    renderUser();
  }

  function logout() {
    api("POST", "/api/auth/logout", {}, { allow401: true }).catch(function () { return null; }).then(function () {
      state.user = null;
      state.csrf = null;
      renderUser();
      if (state.current && state.current.destroy) state.current.destroy();
      state.current = null;
      navigate("/login");
      toast("Signed out.");
    });
  }

  function checkSession() {
    return api("GET", "/api/auth/me", null, { allow401: true }).then(
      function (data) { acceptSession(data); },
      function (err) {
        state.authChecked = true;
        if (err instanceof ApiError && err.status === 401) {
          state.user = null;
        } else if (notAvailable(err)) {
          // This server has no accounts: everyone may use the page.
          state.user = { anonymous: true };
          renderNav();
        } else {
          state.user = { anonymous: true };
          renderNav();
          toast("Could not check your session: " + errorText(err), "error");
        }
        renderUser();
      }
    );
  }

  /* ======================= Public "Submit a request" ======================= */
  function publicView(main) {
    var subject = el("input", { type: "text", name: "subject", maxlength: "200", required: true });
    var body = el("textarea", { name: "body", rows: "8", required: true });
    var email = el("input", { type: "email", name: "email", autocomplete: "email", required: true });
    var name = el("input", { type: "text", name: "name", autocomplete: "name" });
    var errors = errorBox();
    var button = el("button", { type: "submit", class: "btn btn-primary" }, "Send request");
    var done = el("div", { class: "card success", role: "status", hidden: true, id: "submit-done" });
    var form = el("form", { class: "card form narrow", novalidate: true },
      field("Your email", email, { name: "email" }),
      field("Your name (optional)", name, { name: "name" }),
      field("Subject", subject, { name: "subject" }),
      field("How can we help?", body, { name: "body" }),
      errors, el("div", { class: "form-actions" }, button));
    main.appendChild(el("section", { class: "view view-submit" },
      el("h1", { tabindex: "-1" }, "Submit a request"),
      el("p", { class: "muted center" }, "Tell us what happened; we will answer by email."), form, done));
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      showError(errors, "");
      button.disabled = true;
      var payload = { subject: subject.value.trim(), body: body.value, email: email.value.trim() };
      if (name.value.trim()) payload.name = name.value.trim();
      api("POST", "/api/intake", payload, { allow401: true })
        .then(function (data) {
          form.hidden = true;
          clear(done);
          done.hidden = false;
          done.appendChild(el("h2", null, "Thank you — we got your request."));
          var reference = data && data.reference != null ? "#" + String(data.reference).replace(/^#/, "") : "";
          done.appendChild(el("p", null, "Your reference is ", el("strong", { class: "reference" }, reference), ". Keep it for any follow-up."));
          done.appendChild(el("button", { type: "button", class: "btn", onclick: function () {
            form.reset();
            setFieldErrors(form, {});
            form.hidden = false;
            done.hidden = true;
            button.disabled = false;
            subject.focus();
          } }, "Send another request"));
          done.focus();
        })
        .catch(function (err) {
          button.disabled = false;
          var unplaced = setFieldErrors(form, err.fields);
          showError(errors, err.fields ? unplaced.join(" ") : notAvailable(err) ? "Requests cannot be submitted here yet. Please email support." : errorText(err));
        });
    });
    done.setAttribute("tabindex", "-1");
  }

  /* ======================= boot ======================= */
  function themeButton() {
    var button = $("#theme-toggle");
    function sync() {
      var dark = document.documentElement.dataset.theme === "dark";
      button.setAttribute("aria-pressed", dark ? "true" : "false");
      button.textContent = dark ? "Light theme" : "Dark theme";
    }
    button.addEventListener("click", function () {
      var nextTheme = document.documentElement.dataset.theme === "dark" ? "light" : "dark";
      document.documentElement.dataset.theme = nextTheme;
      try { window.localStorage.setItem(THEME_KEY, nextTheme); } catch (e) { /* private mode */ }
      sync();
    });
    if (window.matchMedia) {
      window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", function () {
        if (!storedTheme()) {
          document.documentElement.dataset.theme = systemTheme();
          sync();
        }
      });
    }
    sync();
  }

  function keyboard() {
    document.addEventListener("keydown", function (e) {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
      var tag = (e.target && e.target.tagName) || "";
      if (/^(INPUT|TEXTAREA|SELECT)$/.test(tag) || (e.target && e.target.isContentEditable)) {
        if (e.key === "Escape" && e.target.id === "search") e.target.blur();
        return;
      }
      if (e.key === "/") {
        var s = $("#search");
        if (s) {
          e.preventDefault();
          s.focus();
        } else {
          e.preventDefault();
          navigate("/tickets");
          setTimeout(function () { var s2 = $("#search"); if (s2) s2.focus(); }, 0);
        }
      } else if (e.key === "n") {
        navigate("/tickets/new");
      } else if (e.key === "d") {
        navigate("/dashboard");
      }
    });
  }

  function boot() {
    var body = document.body;
    state.mode = body.dataset.mode === "public" ? "public" : "app";
    try {
      var enums = JSON.parse(body.dataset.enums || "{}");
      Object.keys(ENUMS).forEach(function (k) { if (Array.isArray(enums[k])) ENUMS[k] = enums[k]; });
    } catch (e) { /* keep empty lists */ }
    themeButton();
    $("#logout").addEventListener("click", logout);
    if (state.mode === "public") {
      publicView(clear($("#main")));
      return;
    }
    keyboard();
    window.addEventListener("hashchange", route);
    checkSession().then(function () {
      route();
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();
