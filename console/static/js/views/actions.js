// One form per workflow update. Which appear is decided by the case's pending_actions and the user's role.
import { post } from "../api.js";
import { t, term, money } from "../i18n.js";
import { h, form, field, input, select, values, notice, deadline, sha256Hex } from "../ui.js";

export const STEP_PATH = {
  complete_intake: "intake", review_classification: "classification-review", request_evidence: "evidence-requests",
  submit_evidence: "evidence", set_liability: "liability", make_offer: "offers", respond_to_offer: "offer-response",
  approve_tier3: "tier3-approval", withdraw: "withdrawal", answer_survey: "survey", assign: "assignment",
  control_clock: "clock", supervisor_review: "supervisor-review", confirm_merchant_refund: "merchant-refund",
  confirm_shipment: "shipment",
};

// Who may perform each step (the API's own role table, api/routes/actions.py): the console never offers more.
const CAN = {
  complete_intake: ["agent", "consumer"], review_classification: ["agent", "supervisor"],
  request_evidence: ["agent", "supervisor"], submit_evidence: ["consumer", "merchant", "agent"],
  set_liability: ["agent", "supervisor"], make_offer: ["agent", "supervisor"], respond_to_offer: ["consumer", "agent"],
  approve_tier3: ["supervisor"], withdraw: ["consumer", "agent"], answer_survey: ["consumer"],
  assign: ["agent", "supervisor"], control_clock: ["agent", "supervisor"], supervisor_review: ["supervisor"],
  confirm_merchant_refund: ["merchant", "agent"], confirm_shipment: ["merchant", "agent"],
};
const PARTIES = ["consumer", "merchant"];

export function can(role, step) { return (CAN[step] || []).includes(role); }

/** The pending actions this user may take now; consumers and merchants only their own. */
export function actionable(live, role) {
  return (live?.pending_actions || []).map((p) => ({ ...p, step: p.action.startsWith("supplement") ? "complete_intake" : p.action }))
    .filter((p) => can(role, p.step) && (!PARTIES.includes(role) || p.who === role));
}

const yuanToMinor = (text) => {
  if (text === "") return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? Math.round(n * 100) : text; // not a number: the API names the field
};
const intOr = (text) => (text === "" ? undefined : Number.isInteger(Number(text)) ? Number(text) : text);
const area = (name, attrs = {}) => h("textarea", { name, rows: 2, ...attrs });
const choice = (name, opts, value) => select(name, opts.map((o) => [o, term(o)]), value);
const submit = (label, attrs = {}) => h("button", { type: "submit", ...attrs }, label);

/** Evidence inputs: a file picker fills the reference and its SHA-256 (computed here; the file is not uploaded). */
export function evidenceFields(path, { optional = false } = {}) {
  const ref = input("attachment_ref");
  const sha = input("sha256", { pattern: "[0-9a-f]{64}" });
  const file = h("input", { type: "file", name: "evidence_file", "aria-label": t("from_file"), onchange: async (e) => {
    const chosen = e.target.files[0];
    if (chosen) { sha.value = await sha256Hex(chosen); ref.value = `upload:${chosen.name}`; sha.dispatchEvent(new Event("input", { bubbles: true })); }
  } });
  const fields = [
    field(t("from_file"), file),
    field(t("kind"), input("kind", { value: "photo" }), `${path}.kind`),
    field(t("description"), input("evidence_description"), `${path}.description`),
    field(t("attachment_ref"), ref, `${path}.attachment_ref`), field(t("sha256"), sha, `${path}.sha256`),
  ];
  const item = (v) => (optional && !v.attachment_ref && !v.sha256) ? undefined
    : { kind: v.kind, description: v.evidence_description, attachment_ref: v.attachment_ref, sha256: v.sha256 };
  return [fields, item];
}

function clean(body) {
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined && v !== ""));
}

/** A form for `step` that posts to the API and calls ctx.done() once accepted. */
export function actionForm(step, ctx, pending = null) {
  const build = FORMS[step];
  if (!build) return null;
  const [children, toBody] = build(ctx, pending);
  const title = h("h3", {}, term(step), pending?.due_at ? [" · ", t("by"), " ", deadline(pending.due_at)] : "",
                  pending && pending.who !== ctx.role && !["agent", "supervisor_queue"].includes(pending.who)
                    ? ` (${t("relay")} ${term(pending.who)})` : "");
  return form({ id: `act-${step}`, class: "action", "data-step": step }, [title, ...children], async (el, submitter) => {
    const body = clean(toBody(values(el), submitter?.value));
    await post(`/complaints/${encodeURIComponent(ctx.id)}/${STEP_PATH[step]}`, body);
    notice(`${term(step)}: ${t("done")}`);
    await ctx.done();
  });
}

const pendingOffer = (live, status) => [...(live.offers || [])].reverse().find((o) => o.status === status);
const offerLine = (o) => h("p", { class: "offer" }, `${term(o.tier)} · ${term(o.refund_mode)} · ${money(o.refund_minor)}`,
  o.gift_coupon_minor ? ` + ${t("gift")} ${money(o.gift_coupon_minor)}` : "", o.gift_points ? ` + ${o.gift_points} ${t("points")}` : "",
  o.reship ? ` + ${t("reship")}` : "", o.note ? ` — ${o.note}` : "");

const FORMS = {
  complete_intake: (ctx) => {
    const [fields, item] = evidenceFields("body.evidence.0", { optional: true });
    return [[
      h("p", { class: "muted" }, `${t("missing")}: ${(ctx.live.missing_info || []).join(", ") || t("none")}`),
      field(t("order_line_id"), input("order_line_id", { value: ctx.live.order_line_id || "" }), "body.order_line_id"),
      field(t("description"), area("description"), "body.description"),
      h("fieldset", {}, h("legend", {}, t("evidence")), ...fields),
      submit(t("submit")),
    ], (v) => ({ order_line_id: v.order_line_id || undefined, description: v.description || undefined,
                 evidence: item(v) ? [item(v)] : undefined })];
  },

  review_classification: (ctx) => {
    const c = ctx.live.classification || {};
    return [[
      h("p", {}, `${t("suggested")}: ${term(c.type)} · ${term(c.dispute_class)} · ${c.severity || "–"}`),
      submit(t("confirm"), { value: "confirm", "data-key": "confirm" }),
      h("fieldset", {}, h("legend", {}, t("override")),
        field(t("type"), choice("type", ["quality_defect", "not_as_described", "counterfeit", "logistics", "after_sales",
                                         "platform_service", "food_safety"], c.type), "body.type"),
        field(t("classification"), choice("dispute_class", ["immediate", "quality", "service"], c.dispute_class), "body.dispute_class"),
        field(t("severity"), choice("severity", ["A", "B", "C"], c.severity), "body.severity"),
        field(t("reason"), input("reason"), "body.reason"),
        submit(t("override"), { value: "override" })),
    ], (v, button) => button === "confirm" ? { confirm: true }
      : { confirm: false, type: v.type, dispute_class: v.dispute_class, severity: v.severity, reason: v.reason }];
  },

  request_evidence: () => [[
    field(t("party"), choice("party", ["consumer", "merchant", "carrier"], "merchant"), "body.party"),
    field(t("note"), input("note"), "body.note"), submit(t("submit")),
  ], (v) => ({ party: v.party, note: v.note || undefined })],

  submit_evidence: (ctx, pending) => {
    const own = PARTIES.includes(ctx.role) ? ctx.role : (pending?.who && pending.who !== "agent" ? pending.who : "merchant");
    const [fields, item] = evidenceFields("body.item");
    return [[
      PARTIES.includes(ctx.role) ? h("input", { type: "hidden", name: "party", value: own })
        : field(t("party"), choice("party", ["consumer", "merchant", "carrier"], own), "body.party"),
      ...fields, submit(t("submit")),
    ], (v) => ({ party: v.party, item: item(v) })];
  },

  set_liability: (ctx) => [[
    ctx.live.liability_suggestion_reasons?.length ? h("p", { class: "muted" }, `${t("suggestion_reasons")}: ${ctx.live.liability_suggestion_reasons.join("; ")}`) : "",
    field(t("liability"), choice("party", ["merchant", "consumer", "carrier", "platform"], ctx.live.liability_suggestion || "merchant"), "body.party"),
    field(t("reason"), input("reason", { value: (ctx.live.liability_suggestion_reasons || []).join("; ").slice(0, 200) }), "body.reason"),
    submit(t("submit")),
  ], (v) => ({ party: v.party, reason: v.reason })],

  make_offer: (ctx) => {
    const paid = ctx.live.order?.paid_minor;
    return [[
      h("p", {}, `${t("tier")}: ${term(ctx.live.tier)} · ${t("paid")} ${money(paid)}`),
      field(t("refund_mode"), choice("refund_mode", ["refund_only", "return_and_refund"], "refund_only"), "body.refund_mode"),
      field(t("refund"), input("refund", { inputmode: "decimal", value: paid != null ? (paid / 100).toFixed(2) : "" }), "body.refund_minor"),
      h("label", { class: "check" }, h("input", { type: "checkbox", name: "reship" }), t("reship")),
      field(t("note"), input("note"), "body.note"), submit(t("submit")),
    ], (v) => ({ refund_mode: v.refund_mode, refund_minor: yuanToMinor(v.refund), reship: v.reship, note: v.note })];
  },

  respond_to_offer: (ctx) => {
    const offer = pendingOffer(ctx.live, "pending");
    return [[
      offer ? offerLine(offer) : "", field(t("reason"), input("reason"), "body.reason"),
      h("div", { class: "buttons" }, submit(t("accept"), { value: "accept" }), submit(t("decline"), { value: "decline", class: "secondary" })),
    ], (v, button) => ({ offer_id: offer?.offer_id, accept: button === "accept", reason: v.reason || undefined })];
  },

  approve_tier3: (ctx) => {
    const offer = pendingOffer(ctx.live, "awaiting_approval");
    return [[
      offer ? offerLine(offer) : "", field(t("reason"), input("reason"), "body.reason"),
      h("div", { class: "buttons" }, submit(t("approve"), { value: "approve" }), submit(t("reject"), { value: "reject", class: "secondary" })),
    ], (v, button) => ({ approve: button === "approve", reason: v.reason })];
  },

  withdraw: () => [[field(t("reason"), input("reason"), "body.reason"), submit(t("withdraw"), { class: "secondary" })],
                   (v) => ({ reason: v.reason })],

  answer_survey: () => [[
    field(t("resolved_score"), input("resolved_score", { type: "number", min: 0, max: 100, value: "" }), "body.resolved_score"),
    field(t("communication_score"), input("communication_score", { type: "number", min: 0, max: 100 }), "body.communication_score"),
    field(t("comment"), area("comment"), "body.comment"), submit(t("submit")),
  ], (v) => ({ resolved_score: intOr(v.resolved_score), communication_score: intOr(v.communication_score), comment: v.comment || undefined })],

  assign: (ctx) => [[
    ctx.role === "supervisor" ? field(t("assign_to"), input("assignee", { placeholder: "user id" }), "body.assignee") : "",
    submit(ctx.role === "supervisor" ? t("submit") : t("claim"), { "data-key": "claim" }),
  ], (v) => ({ assignee: v.assignee || undefined })],

  control_clock: (ctx) => {
    const paused = ctx.manualPause; // the state has no flag for it: the case page reads it from the timeline
    return [[field(t("reason"), input("reason"), "body.reason"), submit(paused ? t("resume") : t("pause"))],
            (v) => ({ pause: !paused, reason: v.reason })];
  },

  supervisor_review: () => [[
    field(t("decision"), choice("decision", ["renegotiate", "close", "retry_execution"], "renegotiate"), "body.decision"),
    field(t("reason"), input("reason"), "body.reason"), submit(t("submit")),
  ], (v) => ({ decision: v.decision, reason: v.reason })],

  confirm_merchant_refund: () => [[field(t("reference"), input("reference"), "body.reference"), submit(t("confirm"))],
                                  (v) => ({ reference: v.reference })],

  confirm_shipment: () => [[
    field(t("carrier"), input("carrier"), "body.carrier"), field(t("tracking_number"), input("tracking_number"), "body.tracking_number"),
    submit(t("confirm")),
  ], (v) => ({ carrier: v.carrier, tracking_number: v.tracking_number })],
};


