// The shell: login, the header with each role's pages and the language switch, and a hash router.
import { auth, login, setUnauthorizedHandler } from "./api.js";
import { lang, setLang, t, term } from "./i18n.js";
import { h, form, field, input, tickCountdowns } from "./ui.js";
import { queuesPage } from "./views/queues.js";
import { casePage } from "./views/case.js";
import { boardPage } from "./views/board.js";
import { auditPage } from "./views/audit.js";
import { usersPage, policyPage } from "./views/admin.js";
import { myCasesPage, filePage } from "./views/party.js";
import { insightsPage } from "./views/insights.js";

const NAV = {
  agent: [["#/queues/mine", "queues"], ["#/file", "file"]],
  supervisor: [["#/board", "board"], ["#/queues/mine", "queues"], ["#/insights", "insights"]],
  auditor: [["#/audit", "audit"], ["#/insights", "insights"]],
  admin: [["#/admin/users", "users"], ["#/admin/policy", "policy"]],
  consumer: [["#/my", "my_cases"], ["#/file", "file"]],
  merchant: [["#/my", "my_cases"]],
};
const HOME = { agent: "#/queues/mine", supervisor: "#/board", auditor: "#/audit", admin: "#/admin/users",
               consumer: "#/my", merchant: "#/my" };

const ROUTES = [
  [/^#\/queues\/([a-z-]+)$/, (m) => queuesPage(m[1])],
  [/^#\/case\/(.+)$/, (m) => casePage(decodeURIComponent(m[1]))],
  [/^#\/board$/, () => boardPage()],
  [/^#\/audit(?:\/(.+))?$/, (m) => auditPage(m[1] ? decodeURIComponent(m[1]) : null)],
  [/^#\/admin\/users$/, () => usersPage()],
  [/^#\/admin\/policy$/, () => policyPage()],
  [/^#\/my$/, () => myCasesPage()],
  [/^#\/file$/, () => filePage()],
  [/^#\/insights(?:\/(\d+))?$/, (m) => insightsPage(m[1] ? Number(m[1]) : undefined)],
];

let cleanup = null;

function header() {
  const user = auth.user;
  const nav = user ? (NAV[user.role] || []).map(([href, key]) =>
    h("a", { href, class: location.hash.startsWith(href.startsWith("#/queues") ? "#/queues" : href) ? "here" : "" }, t(key))) : [];
  const langSwitch = h("select", { id: "lang", "aria-label": t("language"), onchange: (e) => { setLang(e.target.value); render(); } },
    h("option", { value: "zh-CN", selected: lang === "zh-CN" || undefined }, "中文"),
    h("option", { value: "en", selected: lang === "en" || undefined }, "English"));
  const who = user ? [h("span", { class: "who" }, `${user.username} · ${term(user.role)}`),
                      h("button", { type: "button", id: "logout", onclick: () => { auth.clear(); location.hash = "#/login"; render(); } }, t("logout"))] : [];
  document.getElementById("top").replaceChildren(
    h("strong", { class: "brand" }, t("app")), h("nav", {}, nav), h("span", { class: "spacer" }), langSwitch, ...who);
}

function loginPage() {
  const main = h("div", { class: "login card" }, h("h1", {}, t("app")),
    form({ id: "login-form" }, [
      field(t("username"), input("username", { autocomplete: "username", required: true }), "username"),
      field(t("password"), input("password", { type: "password", autocomplete: "current-password", required: true }), "password"),
      h("button", { type: "submit" }, t("login")),
    ], async (el) => {
      const me = await login(el.username.value.trim(), el.password.value);
      location.hash = HOME[me.role] || "#/login";
    }));
  return { node: main };
}

export async function render() {
  if (cleanup) { cleanup(); cleanup = null; }
  header();
  const app = document.getElementById("app");
  if (!auth.token || !auth.user) {
    if (location.hash !== "#/login") history.replaceState(null, "", "#/login");
    app.replaceChildren(loginPage().node);
    return;
  }
  const hash = location.hash && location.hash !== "#/login" ? location.hash : HOME[auth.user.role];
  if (hash !== location.hash) history.replaceState(null, "", hash);
  header();
  const route = ROUTES.find(([pattern]) => pattern.test(hash));
  if (!route) { app.replaceChildren(h("p", {}, "404")); return; }
  app.replaceChildren(h("p", { class: "muted" }, t("loading")));
  try {
    const page = await route[1](hash.match(route[0]));
    if (location.hash !== hash) { page.stop?.(); return; } // the user moved on while it loaded
    cleanup = page.stop || null;
    app.replaceChildren(page.node);
    page.ready?.();
  } catch (err) {
    app.replaceChildren(h("p", { class: "form-error", role: "alert" }, err.message || String(err)));
  }
}

setUnauthorizedHandler(() => { auth.clear(); if (location.hash !== "#/login") { location.hash = "#/login"; } });
window.addEventListener("hashchange", render);
setInterval(tickCountdowns, 1000);
render();
