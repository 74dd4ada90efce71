// Consumers and merchants: their own cases, what they owe now with its deadline, progress; consumers file.
import { get, post, auth } from "../api.js";
import { t, term, date } from "../i18n.js";
import { h, section, table, form, field, input, select, values, notice, deadline } from "../ui.js";
import { watch } from "../live.js";
import { actionable, evidenceFields } from "./actions.js";
import { throttle, LIST_REFRESH_MS } from "./common.js";

export async function myCasesPage() {
  const role = auth.user.role;
  const root = h("div", { id: "my" });
  async function reload() {
    const rows = (await get("/complaints?limit=100&sort=-updated_at")).items;
    const details = await Promise.all(rows.map((r) => get(`/complaints/${encodeURIComponent(r.id)}`).catch(() => null)));
    const owes = (i) => actionable(details[i]?.live, role);
    root.replaceChildren(h("h1", {}, t("my_cases")),
      role === "consumer" ? h("p", {}, h("a", { href: "#/file", class: "button" }, t("file"))) : "",
      section(t("my_cases"), rows.length ? table([
        { label: t("id"), cell: (r) => h("a", { href: `#/case/${encodeURIComponent(r.id)}` }, r.id) },
        { label: t("order"), cell: (r) => r.order_id }, { label: t("stage"), cell: (r) => term(r.stage) },
        { label: t("you_owe"), cell: (r) => { const list = owes(rows.indexOf(r));
            return list.length ? list.map((p) => h("div", { class: "owe" }, term(p.step), " ", deadline(p.due_at))) : h("span", { class: "muted" }, t("nothing_owed")); } },
        { label: t("created"), cell: (r) => date(r.created_at) }, { label: t("outcome"), cell: (r) => term(r.outcome) },
      ], rows, (r) => ({ "data-id": r.id })) : h("p", { class: "muted" }, t("empty"))));
  }
  await reload();
  const stop = watch(null, throttle(reload, LIST_REFRESH_MS));
  return { node: root, stop };
}

export async function filePage() {
  const [evidence, item] = evidenceFields("body.evidence.0", { optional: true });
  const staff = auth.user.role === "agent"; // agents file on a consumer's behalf, e.g. from the hotline
  const node = h("div", {}, h("h1", {}, t("file")), section(t("file"), form({ id: "file-form" }, [
    staff ? field(t("consumer_id"), input("consumer_id"), "body.consumer_id") : "",
    staff ? field(t("channel"), select("channel", ["hotline", "chat", "email", "web", "app", "social"].map((c) => [c, c]), "hotline"), "body.channel") : "",
    field(t("order"), input("order_id", { placeholder: "O1002" }), "body.order_id"),
    field(t("order_line_id"), input("order_line_id", { placeholder: "O1002-L1" }), "body.order_line_id"),
    field(t("description"), h("textarea", { name: "description", rows: 4 }), "body.description"),
    h("fieldset", {}, h("legend", {}, t("evidence")), ...evidence),
    h("button", { type: "submit" }, t("submit")),
  ], async (el) => {
    const v = values(el);
    const result = await post("/complaints", { order_id: v.order_id, order_line_id: v.order_line_id || undefined,
                                               description: v.description, channel: staff ? v.channel : "web",
                                               consumer_id: staff ? v.consumer_id || undefined : undefined,
                                               evidence: item(v) ? [item(v)] : undefined });
    notice(`${t("file_done")}: ${result.complaint_id}`);
    location.hash = `#/case/${encodeURIComponent(result.complaint_id)}`;
  })));
  return { node };
}
