// The case page: summary, order, classification, evidence, offer ladder, clocks, what can be done now, timeline.
import { get, auth } from "../api.js";
import { t, term, date, money, age } from "../i18n.js";
import { h, section, table, deadline, notice } from "../ui.js";
import { watch } from "../live.js";
import { actionForm, actionable, can } from "./actions.js";
import { debounce, shortcuts } from "./common.js";

const PROGRESS = ["intake", "classification", "evidence", "negotiation", "execution", "review", "closed"];
const TIERS = ["refund", "refund_plus_gift", "platform_advance"];
const STAFF = ["agent", "supervisor", "auditor"];
// The stages in which the workflow accepts these steps (workflows/case_admin.py): other stages hide them.
const PAUSABLE = ["evidence", "negotiation", "execution"];
const BEFORE_EXECUTION = ["intake", "classification", "evidence", "negotiation"];
const dl = (pairs) => h("dl", {}, pairs.filter(Boolean).map(([k, v]) => [h("dt", {}, k), h("dd", {}, v ?? "–")]));

function progress(stage) {
  const at = PROGRESS.indexOf(stage === "reopened" ? "review" : stage);
  const ended = ["withdrawn", "rejected"].includes(stage);
  return h("ol", { class: "progress", "aria-label": t("progress") }, PROGRESS.map((s, i) =>
    h("li", { class: ended ? "" : i < at ? "past" : i === at ? "now" : "" }, term(s))),
    ended ? h("li", { class: "now" }, term(stage)) : "");
}

function summary(c, live) {
  return section(t("summary"), dl([
    c.consumer_id !== undefined && [t("consumer"), c.consumer_id], [t("order"), c.order_id], [t("merchant"), c.merchant_id],
    c.channel && [t("channel"), c.channel], [t("type"), term(c.type)], [t("severity"), c.severity],
    [t("tier"), term(c.tier)], c.assignee !== undefined && [t("assignee"), c.assignee || t("none")],
    [t("escalation"), String(c.escalation_level)], [t("created"), date(c.created_at)], [t("age"), age(c.created_at)],
    [t("outcome"), term(c.outcome)], [t("refunded"), money(c.refunded_minor)],
    live?.missing_info?.length && [t("missing"), live.missing_info.join(", ")],
  ]));
}

function orderFacts(o) {
  if (!o) return "";
  return section(t("order_facts"), dl([[t("order"), `${o.order_id} / ${o.order_line_id}`], [t("sku"), o.sku],
    [t("category"), o.category], [t("paid"), money(o.paid_minor)], [t("delivered"), date(o.delivered_at)],
    [t("carrier"), o.carrier], [t("tracking"), o.tracking_status]]));
}

function classification(c) {
  if (!c) return "";
  return section(t("classification"), dl([[t("type"), term(c.type)], [t("classification"), term(c.dispute_class)],
    [t("severity"), c.severity], [t("rules_fired"), h("ul", { class: "rules" }, (c.rules_fired || []).map((r) => h("li", {}, r)))],
    [t("status"), c.overridden ? `${t("override")}: ${c.reason || ""}` : c.confirmed ? t("confirm") : t("suggested")]]));
}

function evidence(live) {
  const requests = live.evidence_requests || [];
  const items = live.evidence || [];
  if (!requests.length && !items.length) return "";
  return section(t("evidence"),
    requests.length ? table([
      { label: t("party"), cell: (r) => term(r.party) }, { label: t("note"), cell: (r) => r.note },
      { label: t("due"), cell: (r) => r.fulfilled_at ? `✓ ${date(r.fulfilled_at)}` : r.lapsed ? term("lapsed") : deadline(r.due_at) },
    ], requests) : "",
    items.length ? table([
      { label: t("party"), cell: (e) => term(e.party) }, { label: t("kind"), cell: (e) => e.kind || e.item?.kind },
      { label: t("description"), cell: (e) => e.description ?? e.item?.description ?? "–" },
      { label: t("attachment_ref"), cell: (e) => e.attachment_ref || e.item?.attachment_ref },
      { label: t("when"), cell: (e) => date(e.submitted_at) },
    ], items) : "");
}

function ladder(live) {
  const offers = live.offers || [];
  if (!live.tier && !offers.length) return "";
  const rank = TIERS.indexOf(live.tier);
  return section(t("offers"),
    h("ol", { class: "ladder" }, TIERS.map((tier, i) => h("li", { class: i === rank ? "now" : i < rank ? "past" : "" }, term(tier)))),
    offers.length ? table([
      { label: t("tier"), cell: (o) => term(o.tier) }, { label: t("refund_mode"), cell: (o) => term(o.refund_mode) },
      { label: t("amount"), cell: (o) => money(o.refund_minor) },
      { label: t("gift"), cell: (o) => [o.gift_coupon_minor ? money(o.gift_coupon_minor) : "", o.gift_points ? ` ${o.gift_points} ${t("points")}` : ""] },
      { label: t("status"), cell: (o) => h("span", { class: `status-${o.status}` }, term(o.status)) },
      { label: t("due"), cell: (o) => o.status === "pending" ? deadline(o.due_at) : date(o.responded_at || o.made_at) },
      { label: t("note"), cell: (o) => o.note || "" },
    ], offers) : "");
}

function clocks(live) {
  const list = live.clocks || [];
  if (!list.length) return "";
  return section(t("clocks"), table([
    { label: t("what"), cell: (c) => c.name }, { label: t("due"), cell: (c) => deadline(c.due_at, { warnAt: c.warn_at, breached: c.breached, paused: c.paused }) },
    { label: t("status"), cell: (c) => c.breached ? t("breached") : c.paused ? `${t("paused")} ${date(c.paused_at)}` : c.warned ? t("warned") : t("running") },
  ], list));
}

function timeline(entries) {
  return section(t("timeline"), table([
    { label: t("when"), cell: (e) => date(e.at) }, { label: t("who"), cell: (e) => `${term(e.actor_kind)} ${e.actor_id}` },
    { label: t("what"), cell: (e) => [e.summary, e.money ? ` (${money(e.money.amount_minor)})` : ""] },
    { label: t("why"), cell: (e) => e.reason || "" },
    { label: t("stage"), cell: (e) => e.stage_before && e.stage_before !== e.stage_after ? `${term(e.stage_before)} → ${term(e.stage_after)}` : term(e.stage_after) },
  ], [...entries].reverse()));
}

export async function casePage(id) {
  const role = auth.user.role;
  const root = h("div", { class: "case", id: "case" });
  let dirty = false;

  async function load() {
    const detail = await get(`/complaints/${encodeURIComponent(id)}`);
    const entries = STAFF.includes(role) ? (await get(`/complaints/${encodeURIComponent(id)}/timeline`)).entries : null;
    return { detail, entries };
  }

  function draw({ detail, entries }) {
    dirty = false;
    const c = detail.complaint || {};
    const live = detail.live;
    // A staff pause shows in the log as clock_paused by a person; the workflow's own pauses are by the system.
    const manual = (entries || []).filter((e) => ["clock_paused", "clock_resumed"].includes(e.action)
                                                 && ["agent", "supervisor"].includes(e.actor_kind));
    const ctx = { id, live, role, done: reload, manualPause: manual.at(-1)?.action === "clock_paused" };
    const open = live ? !["closed", "withdrawn", "rejected"].includes(live.stage) : false;
    const pending = live ? actionable(live, role) : [];
    const owe = ["consumer", "merchant"].includes(role);
    const actions = pending.map((p) => actionForm(p.step, ctx, p)).filter(Boolean);
    const tools = [];
    if (open && role !== "auditor" && live) {
      if (can(role, "assign") && live.assignee !== auth.user.id) tools.push(actionForm("assign", ctx));
      if (can(role, "control_clock") && PAUSABLE.includes(live.stage)) tools.push(actionForm("control_clock", ctx));
      if (can(role, "request_evidence") && live.stage === "evidence") tools.push(actionForm("request_evidence", ctx));
      if (can(role, "submit_evidence") && live.stage === "evidence" && !pending.some((p) => p.step === "submit_evidence"))
        tools.push(actionForm("submit_evidence", ctx));
      if (can(role, "withdraw") && BEFORE_EXECUTION.includes(live.stage)) tools.push(actionForm("withdraw", ctx));
    }
    const personal = ["agent", "supervisor", "auditor"].includes(role) ? h("button", { type: "button", class: "secondary", id: "personal",
      onclick: async (e) => {
        const data = await get(`/complaints/${encodeURIComponent(id)}/personal-data`);
        e.target.replaceWith(dl([[t("consumer"), data.consumer?.name], ["☎", data.contact?.phone || data.consumer?.phone],
                                 [t("description"), data.description]]));
      } }, t("personal")) : "";
    root.replaceChildren(
      h("p", {}, h("a", { href: owe ? "#/my" : role === "auditor" ? `#/audit/${encodeURIComponent(id)}` : "#/queues/mine" }, `← ${t("back")}`)),
      h("h1", {}, id, " ", h("span", { class: "badge", id: "stage" }, term(live?.stage || c.stage))),
      progress(live?.stage || c.stage),
      detail.live_error ? h("p", { class: "warn" }, `${t("live_unavailable")}: ${detail.live_error}`) : "",
      h("div", { class: "columns" },
        h("div", {},
          h("section", { class: "card actions", id: "actions" }, h("h2", {}, owe ? t("you_owe") : t("actions")),
            actions.length ? actions : h("p", { class: "muted" }, owe ? t("nothing_owed") : t("none"))),
          tools.length ? h("section", { class: "card tools", id: "tools" }, h("h2", {}, t("tools")), tools) : "",
          summary(c, live), personal),
        h("div", {}, live ? [orderFacts(live.order), classification(live.classification), evidence(live), ladder(live), clocks(live)] : "",
          entries ? timeline(entries) : "")));
    root.querySelectorAll("input, textarea, select").forEach((el) => el.addEventListener("input", () => { dirty = true; }));
  }

  const refused = () => [...root.querySelectorAll(".field-error, .form-error")].some((el) => el.textContent.trim() !== "");
  // `live`: a redraw for a change elsewhere; it reads first, so it checks again before it replaces the page.
  async function reload(live = false) {
    const data = await load();
    if (live === true && (root.querySelector("form button:disabled") || refused())) return;
    shown = data.detail.complaint?.updated_at;
    draw(data);
  }

  let shown = null; // updated_at of the read-model row on screen
  let pointer = false;
  root.addEventListener("pointerdown", () => { pointer = true; });
  document.addEventListener("pointerup", () => { pointer = false; });
  const first = await load();
  shown = first.detail.complaint?.updated_at;
  draw(first);

  // Several transitions often land within a second: redraw once they settle, never under a press or while
  // one of this page's own steps is in flight (its answer redraws the page anyway).
  const onChange = debounce(async (mark) => {
    if (shown && mark.updated_at && new Date(mark.updated_at).getTime() === new Date(shown).getTime()) return;
    if (pointer || root.querySelector("form button:disabled")) { onChange(mark); return; }
    // A refused step's message stays until it is read: a change then offers a reload instead of wiping it.
    const refusalShown = [...root.querySelectorAll(".field-error, .form-error")].some((el) => el.textContent.trim() !== "");
    if (!dirty && !refusalShown) { await reload(true); return; }
    notice(t("changed_reload"), "info");
    const banner = h("p", { class: "warn", id: "changed" }, t("changed_reload"), " ",
                     h("button", { type: "button", onclick: () => reload() }, t("reload")));
    root.querySelector("#changed")?.remove();
    root.prepend(banner);
  }, 400);
  const stopLive = watch(id, onChange);
  const stopKeys = shortcuts({
    c: () => root.querySelector('[data-key="claim"]')?.click(),
    a: () => root.querySelector("#actions form input, #actions form button, #actions form select")?.focus(),
    Escape: () => history.back(),
  });
  return { node: root, stop: () => { stopLive(); stopKeys(); } };
}
