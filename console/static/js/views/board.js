// Supervisor board: tier-3 approvals with offer and reasons, escalations (level, breached clocks, age), re-opened
// cases, merchant penalties, and the rectification interviews they call for (held here, once, with notes).
import { get, post, newKey } from "../api.js";
import { t, term, date, money, age } from "../i18n.js";
import { h, section, table, deadline, form, field, notice } from "../ui.js";
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

function holdForm(interview, reload) {
  // One key per form: a double click or a retried request records the holding once.
  const key = newKey();
  const notes = h("textarea", { name: "notes", rows: 2, maxlength: 1000 });
  return form({ class: "hold-interview", "data-id": interview.id }, [
    field(t("interview_notes"), notes, "body.notes"),
    h("button", { type: "submit" }, t("interview_held")),
  ], async () => {
    await post(`/rectification-interviews/${encodeURIComponent(interview.id)}/held`, { notes: notes.value }, { key });
    notice(t("saved"));
    await reload();
  });
}

async function interviews(reload) {
  const rows = await get("/rectification-interviews?limit=50");
  return section(t("interviews"), rows.length ? table([
    { label: t("merchant"), cell: (i) => i.merchant_id }, { label: t("id"), cell: (i) => link(i.complaint_id) },
    { label: t("status"), cell: (i) => term(`interview_${i.state}`) },
    { label: t("due"), cell: (i) => (i.state === "held" ? date(i.held_at) : deadline(i.due_at)) },
    { label: t("note"), cell: (i) => (i.state === "held" ? `${i.notes} — ${i.held_by}` : holdForm(i, reload)) },
  ], rows, (i) => ({ "data-interview": i.id, "data-state": i.state })) : h("p", { class: "muted" }, t("empty")));
}

export async function boardPage() {
  const root = h("div", { id: "board" });
  // A change elsewhere must not redraw the board under the supervisor: not while a form has focus, not while
  // a refused step's message is on screen (a redraw would wipe it before it is read), and not while a step is
  // in flight (its form disables its buttons, so focus is gone, until the answer is shown).
  const busy = () => (root.contains(document.activeElement) && document.activeElement !== document.body)
    || root.querySelector("form button[disabled]") !== null
    || [...root.querySelectorAll(".field-error, .form-error")].some((el) => el.textContent.trim() !== "");
  // A live redraw (a change elsewhere) reads first, so it checks again before it replaces anything.
  async function render(live) {
    const parts = await Promise.all([approvals(reload), escalations(), reopened(), penalties(), interviews(reload)]);
    if (live && busy()) return;
    root.replaceChildren(h("h1", {}, t("board")), ...parts);
  }
  const reload = () => render(false); // after one of the board's own steps: always redraw
  await reload();
  const stop = watch(null, throttle(() => (busy() ? null : render(true)), LIST_REFRESH_MS));
  return { node: root, stop };
}
