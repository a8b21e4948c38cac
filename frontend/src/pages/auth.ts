// Sign up and log in. Sign-up creates the account over the API, then logs in with a session
// cookie like the log-in form does (the JWT pair it returns is for mobile clients).

import { api, ApiError } from "../api";
import { clearFormErrors, field, formError, h, showFormErrors } from "../dom";
import { BASE, navigate, type PageContext } from "../router";
import { logIn } from "../session";

function afterLogin(context: PageContext): void {
  const next = context.query.get("next");
  // Only paths inside the dashboard: a crafted ?next= must not send people elsewhere.
  navigate(next && next.startsWith(`${BASE}/`) && !next.startsWith("//") ? next : `${BASE}/`);
}

function input(name: string, type: string, autocomplete: string, required = true): HTMLInputElement {
  return h("input", { name, type, autocomplete, required });
}

export function loginPage(main: HTMLElement, context: PageContext): void {
  const submit = h("button", { type: "submit" }, "Log in");
  const form = h(
    "form",
    { class: "card narrow", novalidate: true },
    formError(),
    field("E-mail", input("email", "email", "username")),
    field("Password", input("password", "password", "current-password")),
    submit,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearFormErrors(form);
    const data = new FormData(form);
    submit.disabled = true;
    submit.textContent = "Logging in…";
    try {
      await logIn(String(data.get("email")), String(data.get("password")));
      afterLogin(context);
    } catch (error) {
      showFormErrors(form, asApiError(error));
    } finally {
      submit.disabled = false;
      submit.textContent = "Log in";
    }
  });
  main.append(
    h("h1", {}, "Log in"),
    form,
    h("p", { class: "narrow" }, "No account yet? ", h("a", { href: `${BASE}/signup` }, "Sign up")),
  );
}

export function signupPage(main: HTMLElement, context: PageContext): void {
  const submit = h("button", { type: "submit" }, "Create account");
  const form = h(
    "form",
    { class: "card narrow", novalidate: true },
    formError(),
    field("Name (optional)", input("display_name", "text", "nickname", false)),
    field("E-mail", input("email", "email", "username")),
    field("Password", input("password", "password", "new-password"), "At least 8 characters, not only digits, not a common password."),
    submit,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearFormErrors(form);
    const data = Object.fromEntries(new FormData(form)) as Record<string, string>;
    submit.disabled = true;
    submit.textContent = "Creating account…";
    try {
      await api.post("/api/v1/auth/signup/", data);
      await logIn(data.email, data.password);
      afterLogin(context);
    } catch (error) {
      showFormErrors(form, asApiError(error));
    } finally {
      submit.disabled = false;
      submit.textContent = "Create account";
    }
  });
  main.append(
    h("h1", {}, "Create your account"),
    form,
    h("p", { class: "narrow" }, "Already have one? ", h("a", { href: `${BASE}/login` }, "Log in")),
  );
}

export function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError(0, [{ code: "error", detail: (error as Error).message, attr: null }]);
}
