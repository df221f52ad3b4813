// The sign-in screen and language switch shared by the staff views (console, agency portal); never in the citizen bundle.
import { useState } from "preact/hooks";
import { html } from "./html.js";
import { currentLocale, setLocale } from "./i18n.js";

export function LanguageButton({ t }) {
  const [, redraw] = useState(0);
  return html`<button type="button" class="lang" onClick=${() => {
    setLocale(currentLocale() === "en" ? "zh-CN" : "en");
    redraw((n) => n + 1);
    window.dispatchEvent(new Event("localechange"));
  }}>${t("language")}</button>`;
}

// signIn(username, password) resolves to the session or throws an ApiError; a 403 shows t(refusedKey).
export function LoginForm({ t, signIn, onLogin, refusedKey, buttonClass = "" }) {
  const [error, setError] = useState(null);
  async function submit(event) {
    event.preventDefault();
    const form = new FormData(event.target);
    try {
      onLogin(await signIn(form.get("username"), form.get("password")));
    } catch (err) {
      setError(err.status === 403 ? t(refusedKey) : t("login_failed", { message: err.message }));
    }
  }
  return html`<main class="login">
    <h1>${t("login_title")}</h1>
    <form onSubmit=${submit}>
      <label>${t("username")}<input name="username" autocomplete="username" required /></label>
      <label>${t("password")}<input name="password" type="password" autocomplete="current-password" required /></label>
      <button type="submit" class=${buttonClass}>${t("login")}</button>
      ${error && html`<p class="bad" role="alert">${error}</p>`}
    </form>
    <${LanguageButton} t=${t} />
  </main>`;
}
