/* #/login?next=… — sign in (POST /api/auth/login), then back to where the person was going. */

import { api, errorText, notAvailable } from "../api.js";
import { el } from "../dom.js";
import { navigate } from "../router.js";
import { acceptSession } from "../session.js";
import { errorBox, field, heading, showError, showFormError } from "../ui.js";

/** Where to go after signing in: the hash the login view was opened from, else the list. */
function goNext(next) {
  if (next && next.startsWith("#") && !next.startsWith("#/login")) window.location.hash = next;
  else navigate("/tickets");
}

function failureText(err) {
  if (err.status === 401) return "Wrong email or password.";
  if (notAvailable(err)) return "Sign-in is not available on this server.";
  return errorText(err);
}

/** "Forgot your password?": a link mailed to you (#/forgot); without mail on the server, an
 * admin gives a new one (in the page or the CLI). */
function forgotten() {
  return el(
    "div",
    { class: "forgot" },
    el("a", { href: "#/forgot" }, "Forgot your password?"),
    el(
      "p",
      { class: "muted small" },
      "We'll mail you a link. No mail on this server? Ask an admin for a new password: they set " +
        "it through the API (",
      el("code", null, "PATCH /api/users/<id>"),
      ") or on the server with ",
      el("code", null, "flask tickets users reset-password --email you@example.com"),
      ". Then choose your own on Your account."
    )
  );
}

export function loginView(main, route) {
  const email = el("input", { type: "email", name: "email", autocomplete: "username", required: true });
  const password = el("input", {
    type: "password",
    name: "password",
    autocomplete: "current-password",
    required: true,
  });
  const errors = errorBox();
  const button = el("button", { type: "submit", class: "btn btn-primary" }, "Sign in");
  const form = el(
    "form",
    { class: "card form narrow", novalidate: true },
    field("Email", email, { name: "email" }),
    field("Password", password, { name: "password" }),
    errors,
    el("div", { class: "form-actions" }, button),
    forgotten()
  );
  const customers = el(
    "p",
    { class: "muted center" },
    "Customers: ",
    el("a", { href: "/submit" }, "submit a request"),
    " without an account."
  );
  main.appendChild(el("section", { class: "view view-login" }, heading("Sign in"), form, customers));

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    showError(errors, "");
    button.disabled = true;
    const body = { email: email.value.trim(), password: password.value };
    let data;
    try {
      data = await api("POST", "/api/auth/login", body, { allow401: true });
    } catch (err) {
      button.disabled = false;
      password.value = "";
      showFormError(form, errors, err, { otherwise: failureText(err) });
      return;
    }
    button.disabled = false;
    acceptSession(data);
    goNext(route.params.get("next"));
  });
  return {};
}
