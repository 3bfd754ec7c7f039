/* #/forgot — "Forgot your password?": an e-mail address, then the same answer whether or not it
 * has an account (POST /api/auth/forgot). #/reset?token=… — the mailed link: a new password
 * twice (POST /api/auth/reset), then sign in with it. Both are open without signing in. */

import { api, errorText, notAvailable } from "../api.js";
import { el } from "../dom.js";
import { navigate } from "../router.js";
import {
  errorBox,
  field,
  heading,
  newPasswordsMatch,
  setFieldErrors,
  showError,
  showFormError,
  toast,
} from "../ui.js";

const SENT =
  "If an account exists for this address, we've sent it a link to choose a new password. " +
  "It works for a limited time and only once.";

function adminHint() {
  return el(
    "p",
    { class: "muted small" },
    "No mail after a few minutes? This server may not send mail: ask an admin for a new " +
      "password (",
    el("code", null, "flask tickets users reset-password --email you@example.com"),
    ")."
  );
}

function backToSignIn(text = "Back to sign in") {
  return el("p", { class: "muted center" }, el("a", { href: "#/login" }, text));
}

export function forgotView(main) {
  const email = el("input", { type: "email", name: "email", autocomplete: "username", required: true });
  const errors = errorBox();
  const button = el("button", { type: "submit", class: "btn btn-primary" }, "Send me a link");
  const form = el(
    "form",
    { class: "card form narrow", novalidate: true },
    el("p", null, "Enter the e-mail address you sign in with: we'll mail you a link to choose a new password."),
    field("Email", email, { name: "email" }),
    errors,
    el("div", { class: "form-actions" }, button)
  );
  const section = el(
    "section",
    { class: "view view-forgot" },
    heading("Forgot your password?"),
    form,
    backToSignIn()
  );
  main.appendChild(section);

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    showError(errors, "");
    setFieldErrors(form, {});
    if (!email.value.trim()) {
      setFieldErrors(form, { email: ["Enter the e-mail address you sign in with."] });
      return;
    }
    button.disabled = true;
    try {
      await api("POST", "/api/auth/forgot", { email: email.value.trim() });
    } catch (err) {
      button.disabled = false;
      const otherwise = notAvailable(err)
        ? "This server cannot mail reset links."
        : errorText(err);
      showFormError(form, errors, err, { otherwise });
      return;
    }
    form.replaceWith(
      el(
        "div",
        { class: "card form narrow forgot-sent", role: "status" },
        el("p", null, SENT),
        adminHint()
      )
    );
  });
  return {};
}

function password(name) {
  return el("input", { type: "password", name, autocomplete: "new-password", required: true });
}

export function resetView(main, route) {
  const token = route.params.get("token") || "";
  const fresh = password("new_password");
  fresh.minLength = 12;
  const again = password("confirm_password");
  const errors = errorBox();
  const button = el("button", { type: "submit", class: "btn btn-primary" }, "Set password");
  const form = el(
    "form",
    { class: "card form narrow", novalidate: true },
    field("New password", fresh, { name: "new_password", hint: "At least 12 characters." }),
    field("New password again", again, { name: "confirm_password" }),
    errors,
    el("div", { class: "form-actions" }, button)
  );
  const askAgain = el("p", { class: "muted center" }, el("a", { href: "#/forgot" }, "Ask for a new link"));
  main.appendChild(
    el("section", { class: "view view-reset" }, heading("Choose a new password"), form, askAgain)
  );
  if (!token) {
    showError(errors, "This link is incomplete. Open the link from the mail again, or ask for a new one.");
    button.disabled = true;
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!newPasswordsMatch(form, errors, fresh, again)) return;
    button.disabled = true;
    try {
      await api("POST", "/api/auth/reset", { token, new_password: fresh.value });
    } catch (err) {
      button.disabled = false;
      // The link itself is wrong (expired, used, mangled): say so plainly, no field name.
      if (err.fields && err.fields.token) showError(errors, err.message);
      else showFormError(form, errors, err);
      return;
    }
    form.reset();
    toast("Password changed. Sign in with your new password.");
    navigate("/login", null, true);
  });
  return {};
}
