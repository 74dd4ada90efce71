// Supervisor board: tier-3 approvals with offer and reasons, escalations (level, breached clocks, age), re-opened
// cases, and merchant penalties with the rectification interviews they call for.
import { get } from "../api.js";
import { t, term, date, money, age } from "../i18n.js";
import { h, section, table, deadline } from "../ui.js";
import { watch } from "../live.js";
import { actionForm } from "./actions.js";
import { throttle, LIST_REFRESH_MS } from "./common.js";

const link = (id) => h("a", { href: `#/case/${encodeURIComponent(id)}` }, id);
const detailOf = (id) => get(`/complaints/${encodeURIComponent(id)}`).catch(() => null);

async function escalations() {
  const rows = (await get("/queues/supervisor?limit=100")).items;
  const details = await Promise.all(rows.map((r) => detailOf(r.id)));
  return section(t("escalations"), rows.length ? table([
    { label: t("id"), cell: (r) => link(r.id) }, { label: t("escalation"), cell: (r) => String(r.escalation_level) },
    { label: t("stage"), cell: (r) => term(r.stage) }, { label: t("severity"), cell: (r) => r.severity || "–" },
    { label: t("breached_clocks"), cell: (r, i) => ((details[rows.indexOf(r)]?.live?.clocks) || []).filter((c) => c.breached).map((c) => c.name).join(", ") || "–" },
    { label: t("age"), cell: (r) => age(r.created_at) }, { label: t("due"), cell: (r) => deadline(r.sla_due_at, { paused: r.sla_paused }) },
    { label: t("assignee"), cell: (r) => r.assignee || "–" },
  ], rows) : h("p", { class: "muted" }, t("empty")));
}

async function approvals(reload) {
  // The list has no tier filter: negotiation cases at tier 3 are picked here, then checked against the live state.
  const rows = (await get("/complaints?stage=negotiation&is_open=true&sort=sla_due_at&limit=200")).items
    .filter((r) => r.tier === "platform_advance");
  const details = await Promise.all(rows.map((r) => detailOf(r.id)));
  const waiting = details.filter((d) => d?.live?.pending_actions?.some((p) => p.action === "approve_tier3"));
  return section(t("tier3"), waiting.length ? waiting.map((d) => {
    const live = d.live;
    const offer = [...live.offers].reverse().find((o) => o.status === "awaiting_approval");
    return h("article", { class: "approval", "data-id": live.complaint_id },
      h("h3", {}, link(live.complaint_id), ` · ${term(live.stage)} · ${t("escalation")} ${live.escalation_level}`),
      h("p", {}, `${t("amount")}: ${money(offer?.refund_minor)} · ${t("paid")} ${money(live.order?.paid_minor)} · ${term(offer?.refund_mode)}`),
      h("p", {}, `${t("liability")}: ${term(live.liability?.party)} — ${live.liability?.reason || ""}`),
      offer?.note ? h("p", {}, `${t("note")}: ${offer.note}`) : "",
      h("p", { class: "muted" }, `${t("made_at")} ${date(offer?.made_at)} · ${offer?.made_by || ""}`),
      actionForm("approve_tier3", { id: live.complaint_id, live, role: "supervisor", done: reload }));
  }) : h("p", { class: "muted" }, t("empty")));
}

async function reopened() {
  const rows = (await get("/complaints?stage=reopened&is_open=true&limit=100")).items;
  return section(t("reopened"), rows.length ? table([
    { label: t("id"), cell: (r) => link(r.id) }, { label: t("outcome"), cell: (r) => term(r.outcome) },
    { label: t("age"), cell: (r) => age(r.created_at) }, { label: t("due"), cell: (r) => deadline(r.sla_due_at) },
  ], rows) : h("p", { class: "muted" }, t("empty")));
}

async function penalties() {
  const rows = await get("/penalties?limit=50");
  return section(t("penalties"), rows.length ? table([
    { label: t("merchant"), cell: (p) => p.merchant_id }, { label: t("id"), cell: (p) => link(p.complaint_id) },
    { label: t("amount"), cell: (p) => money(p.deduction_minor) }, { label: t("blocked_until"), cell: (p) => date(p.listing_blocked_until) },
    { label: t("interview"), cell: (p) => p.rectification_interview_due ? h("strong", { class: "warn" }, `${t("interview_due")} ×${p.deposit_multiplier}`) : "–" },
    { label: t("created"), cell: (p) => date(p.created_at) },
  ], rows, (p) => ({ "data-merchant": p.merchant_id })) : h("p", { class: "muted" }, t("empty")));
}

export async function boardPage() {
  const root = h("div", { id: "board" });
  async function reload() {
    const parts = await Promise.all([approvals(reload), escalations(), reopened(), penalties()]);
    root.replaceChildren(h("h1", {}, t("board")), ...parts);
  }
  await reload();
  // A change elsewhere must not redraw the board under the supervisor: not while a form has focus, and not while
  // a refused step's message is on screen (a redraw would wipe it before it is read).
  const busy = () => (root.contains(document.activeElement) && document.activeElement !== document.body)
    || [...root.querySelectorAll(".field-error, .form-error")].some((el) => el.textContent.trim() !== "");
  const stop = watch(null, throttle(() => (busy() ? null : reload()), LIST_REFRESH_MS));
  return { node: root, stop };
}
