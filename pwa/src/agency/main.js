// The agency portal (/agency): linked agencies see and answer the cases relayed to them; admins keep the directory.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ApiError, request } from "../lib/api.js";
import { currentLocale } from "../lib/i18n.js";
import { LanguageButton, LoginForm } from "../lib/staff-login.js";
import { Directory } from "./directory.js";
import { html } from "../lib/html.js";
import { Portal } from "./portal.js";
import { t } from "./strings.js";

const KEY = "lianbao.agency.session";
const ROLES = ["agency", "admin"];

function loadSession() {
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) || "null");
    return saved?.token && ROLES.includes(saved?.user?.role) ? saved : null;
  } catch {
    return null;
  }
}

async function signIn(username, password) {
  const data = await request("/auth/login", { method: "POST", body: { username, password } });
  if (!ROLES.includes(data.user.role)) throw new ApiError(403, "forbidden", t("not_agency"));
  const session = { token: data.token, user: data.user };
  localStorage.setItem(KEY, JSON.stringify(session));
  return session;
}

function Login({ onLogin }) {
  return html`<${LoginForm} t=${t} signIn=${signIn} onLogin=${onLogin} refusedKey="not_agency" buttonClass="primary" />`;
}

function App() {
  const [session, setSession] = useState(loadSession);
  const [, redraw] = useState(0);
  useEffect(() => {
    const onChange = () => redraw((n) => n + 1);
    window.addEventListener("localechange", onChange);
    return () => window.removeEventListener("localechange", onChange);
  }, []);
  document.documentElement.lang = currentLocale();
  document.title = t("title");

  function logout() {
    localStorage.removeItem(KEY);
    setSession(null);
  }
  if (!session) return html`<${Login} onLogin=${setSession} />`;
  // api(path, options): the shared request() with this session's token; a 401 signs out.
  const api = async (path, options = {}) => {
    try {
      return await request(path, { ...options, token: session.token });
    } catch (err) {
      if (err.status === 401) logout();
      throw err;
    }
  };
  return html`<div class="shell">
    <header>
      <h1>${t("title")}</h1>
      <span class="who">${session.user.username}</span>
      <${LanguageButton} t=${t} />
      <button type="button" onClick=${logout}>${t("logout")}</button>
    </header>
    ${session.user.role === "admin" ? html`<${Directory} api=${api} />` : html`<${Portal} api=${api} token=${session.token} />`}
  </div>`;
}

render(html`<${App} />`, document.getElementById("agency"));
