// Admin: users with their party bindings; the policy editor with field-path errors and a diff before saving.
import { get, post, put } from "../api.js";
import { t, term, date } from "../i18n.js";
import { h, section, table, form, field, input, select, values, notice, clearErrors } from "../ui.js";

const ROLES = ["consumer", "merchant", "agent", "supervisor", "auditor", "admin"];

export async function usersPage() {
  const root = h("div", { id: "users" });
  async function reload() {
    const users = await get("/admin/users");
    root.replaceChildren(h("h1", {}, t("users")),
      section(t("users"), table([
        { label: t("username"), cell: (u) => u.username }, { label: t("role"), cell: (u) => term(u.role) },
        { label: t("consumer_id"), cell: (u) => u.consumer_id || "" }, { label: t("merchant_id"), cell: (u) => u.merchant_id || "" },
        { label: t("active"), cell: (u) => (u.active ? "✓" : "✗") }, { label: t("created"), cell: (u) => date(u.created_at) },
        { label: "", cell: (u) => u.active ? h("button", { type: "button", class: "secondary", onclick: async () => {
            await post(`/admin/users/${encodeURIComponent(u.id)}/deactivate`); notice(t("saved")); reload(); } }, t("deactivate")) : "" },
      ], users, (u) => ({ "data-user": u.username }))),
      section(t("create_user"), form({ id: "user-form" }, [
        field(t("username"), input("username"), "body.username"),
        field(t("password"), input("password", { type: "password", autocomplete: "new-password" }), "body.password"),
        field(t("role"), select("role", ROLES.map((r) => [r, term(r)]), "agent"), "body.role"),
        field(t("consumer_id"), input("consumer_id"), "body.consumer_id"),
        field(t("merchant_id"), input("merchant_id"), "body.merchant_id"),
        h("button", { type: "submit" }, t("create_user")),
      ], async (el) => {
        const v = values(el);
        await post("/admin/users", { username: v.username, password: el.password.value, role: v.role,
                                     consumer_id: v.consumer_id || undefined, merchant_id: v.merchant_id || undefined });
        notice(t("saved"));
        await reload();
      })));
  }
  await reload();
  return { node: root };
}

/** Every leaf of a JSON value by its dotted path (the same paths the API's errors name, without "body."). */
export function flatten(value, path = "", out = {}) {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (!keys.length && path) out[path] = {};
    for (const key of keys) flatten(value[key], path ? `${path}.${key}` : key, out);
  } else {
    out[path] = value;
  }
  return out;
}

export function diff(before, after) {
  const a = flatten(before);
  const b = flatten(after);
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()
    .filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k])).map((k) => ({ path: k, old: a[k], new: b[k] }));
}

export async function policyPage() {
  const doc = await get("/admin/policy");
  let active = doc.policy;
  const editor = h("textarea", { name: "policy", id: "policy-editor", class: "code", rows: 24, spellcheck: "false" },
                   JSON.stringify(active, null, 2));
  const diffBox = h("div", { id: "policy-diff" });
  const errors = h("ul", { id: "policy-errors", class: "errors", role: "alert" });
  const meta = h("p", { id: "policy-meta" }, `${t("version")}: ${doc.version} · ${doc.source}`);
  let reviewed = null;

  function parse() {
    try { return JSON.parse(editor.value); } catch (err) {
      throw Object.assign(new Error(`${t("invalid_json")}: ${err.message}`), { fields: {} });
    }
  }

  const saveButton = h("button", { type: "submit", id: "policy-save", value: "save", disabled: true }, t("save"));
  editor.addEventListener("input", () => { reviewed = null; saveButton.disabled = true; diffBox.replaceChildren(); });
  const editorForm = form({ id: "policy-form" }, [
    editor, errors,
    h("div", { class: "buttons" }, h("button", { type: "submit", id: "policy-review", value: "review", class: "secondary" }, t("review_diff")), saveButton),
    diffBox,
  ], async (el, submitter) => {
    errors.replaceChildren();
    const proposed = parse();
    if (submitter?.value !== "save" || reviewed === null) {
      const changes = diff(active, proposed);
      diffBox.replaceChildren(h("h3", {}, t("diff")), changes.length ? table([
        { label: t("field"), cell: (c) => c.path }, { label: t("old"), cell: (c) => JSON.stringify(c.old) ?? "–" },
        { label: t("new"), cell: (c) => JSON.stringify(c.new) ?? "–" },
      ], changes) : h("p", { class: "muted" }, t("no_changes")));
      reviewed = editor.value;
      saveButton.disabled = false;
      return;
    }
    try {
      const saved = await put("/admin/policy", proposed);
      active = saved.policy;
      editor.value = JSON.stringify(active, null, 2);
      meta.textContent = `${t("version")}: ${saved.version} · ${saved.source}`;
      diffBox.replaceChildren();
      saveButton.disabled = true;
      reviewed = null;
      notice(`${t("saved")}: ${saved.version}`);
    } catch (err) {
      const details = Array.isArray(err.details) ? err.details : [];
      errors.replaceChildren(h("li", {}, err.message),
        ...details.map((d) => h("li", { "data-field": d.field }, h("code", {}, d.field), " ", d.message)));
      clearErrors(el);
      el.querySelector(".form-error").textContent = `${t("policy_errors")}: ${details.length || 1}`;
    }
  });
  return { node: h("div", { id: "policy" }, h("h1", {}, t("policy")), meta, section(t("policy"), editorForm)) };
}
