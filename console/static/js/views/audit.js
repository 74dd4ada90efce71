// Auditor: timeline with JSON/CSV downloads, replay verdict, state at any past event (slider), chain, what-if.
import { get, post, qs } from "../api.js";
import { t, term, date, money } from "../i18n.js";
import { h, section, table, form, field, download, deadline } from "../ui.js";
import { debounce } from "./common.js";

const enc = encodeURIComponent;

async function chainStatus() {
  const box = h("p", { id: "chain" }, t("loading"));
  get("/audit/chain").then((v) => {
    box.className = v.ok ? "ok" : "warn";
    box.textContent = `${t("chain")}: ${v.ok ? t("chain_ok") : t("chain_broken")} (${v.checked})${v.reason ? ` — ${v.reason}` : ""}`;
  }, (err) => { box.textContent = err.message; });
  return box;
}

function stateView(s) {
  const st = s.state;
  const offer = st.offers?.[st.offers.length - 1];
  return h("div", { id: "state-view" },
    h("p", {}, `${t("event")} ${s.event_id} · ${s.event_type} · ${date(s.event_time)}`, s.note ? ` — ${s.note}` : ""),
    h("dl", {},
      h("dt", {}, t("stage")), h("dd", { id: "state-stage" }, term(st.stage)),
      h("dt", {}, t("tier")), h("dd", { id: "state-tier" }, term(st.tier)),
      h("dt", {}, t("escalation")), h("dd", {}, String(st.escalation_level)),
      h("dt", {}, t("offers")), h("dd", { id: "state-offer" }, offer ? `${term(offer.tier)} ${money(offer.refund_minor)} · ${term(offer.status)}` : "–"),
      h("dt", {}, t("clocks")), h("dd", {}, (st.clocks || []).map((c) => h("div", {}, `${c.name} `, deadline(c.due_at, { warnAt: c.warn_at, breached: c.breached, paused: c.paused })))),
      h("dt", {}, t("actions")), h("dd", { id: "state-pending" }, (st.pending_actions || []).map((p) => `${term(p.who)}: ${term(p.action)}`).join("; ") || "–")));
}

function slider(id, entries) {
  const points = entries.filter((e) => e.history_event_id);
  if (!points.length) return h("p", { class: "muted" }, t("empty"));
  const label = h("p", { id: "slider-label" });
  const out = h("div", { id: "state-at" });
  const range = h("input", { type: "range", id: "slider", min: 0, max: points.length - 1, value: points.length - 1,
                             "aria-label": t("state_at") });
  const show = debounce(async () => {
    const point = points[Number(range.value)];
    try {
      out.replaceChildren(stateView(await get(`/audit/cases/${enc(id)}/state?event_id=${point.history_event_id}`)));
    } catch (err) { out.replaceChildren(h("p", { class: "form-error", role: "alert" }, err.message)); }
  }, 250);
  const describe = () => {
    const point = points[Number(range.value)];
    label.textContent = `${date(point.at)} · ${point.summary} (${t("event")} ${point.history_event_id})`;
    out.dataset.loading = "true";
    show();
  };
  range.addEventListener("input", describe);
  range.addEventListener("change", describe);
  describe();
  return h("div", {}, range, label, out);
}

function whatIf(id) {
  const result = h("div", { id: "what-if-result" });
  const textarea = h("textarea", { name: "policy", rows: 8, class: "code" });
  get("/admin/policy").then((doc) => { textarea.value = JSON.stringify({ ...doc.policy, version: `${doc.version}-what-if` }, null, 2); }, () => {});
  return section(t("what_if"), form({ id: "what-if-form" }, [
    field(t("policy"), textarea, "policy"),
    field(t("complaint_ids"), h("input", { name: "complaint_ids", value: id }), "body.complaint_ids"),
    h("button", { type: "submit" }, t("run")),
  ], async (el) => {
    let policy;
    try { policy = JSON.parse(el.policy.value); } catch { throw Object.assign(new Error(t("invalid_json")), { fields: {} }); }
    const ids = el.complaint_ids.value.split(",").map((s) => s.trim()).filter(Boolean);
    result.replaceChildren(t("loading"));
    const report = await post("/audit/what-if", { policy, complaint_ids: ids });
    result.replaceChildren(...report.cases.map((c) => h("div", {}, h("h3", {}, c.complaint_id, c.faithful ? ` (${t("faithful")})` : ""),
      Object.keys(c.changes).length ? table([
        { label: t("field"), cell: ([k]) => k }, { label: t("old"), cell: ([, v]) => JSON.stringify(v.from) },
        { label: t("new"), cell: ([, v]) => JSON.stringify(v.to) },
      ], Object.entries(c.changes)) : h("p", { class: "muted" }, t("no_changes")))));
  }), result);
}

async function caseView(id) {
  const [timeline, verdict] = await Promise.all([
    get(`/audit/cases/${enc(id)}/timeline`),
    get(`/audit/cases/${enc(id)}/replay`).catch((err) => ({ error: err.message })),
  ]);
  const save = async (format) => download(await get(`/audit/cases/${enc(id)}/timeline${qs({ format })}`, { as: "blob" }),
                                          `${id}-timeline.${format}`);
  return h("div", {},
    h("h2", {}, h("a", { href: `#/case/${enc(id)}` }, id)),
    h("p", { id: "replay", class: verdict.replays_cleanly ? "ok" : "warn" }, `${t("replay")}: `,
      verdict.error || (verdict.replays_cleanly ? t("replay_ok") : `${t("replay_diverged")} @ ${verdict.diverged_at_event}: ${verdict.reason}`)),
    section(t("state_at"), slider(id, timeline.entries)),
    section(t("timeline"),
      h("p", {}, h("button", { type: "button", id: "download-json", onclick: () => save("json") }, t("download_json")), " ",
        h("button", { type: "button", id: "download-csv", onclick: () => save("csv") }, t("download_csv"))),
      timeline.problems.length ? h("ul", { class: "warn" }, timeline.problems.map((p) => h("li", {}, p))) : "",
      table([
        { label: t("when"), cell: (e) => date(e.at) }, { label: t("event"), cell: (e) => e.history_event_id ?? "–" },
        { label: t("who"), cell: (e) => `${term(e.actor_kind)} ${e.actor_id}` }, { label: t("what"), cell: (e) => e.summary },
        { label: t("why"), cell: (e) => e.reason }, { label: t("stage"), cell: (e) => term(e.stage_after) },
        { label: t("amount"), cell: (e) => e.money ? money(e.money.amount_minor) : "" },
      ], timeline.entries)),
    whatIf(id));
}

export async function auditPage(id) {
  const rows = (await get("/complaints?limit=50&sort=-updated_at")).items;
  const picker = h("form", { class: "filters", onsubmit: (e) => { e.preventDefault(); location.hash = `#/audit/${enc(e.target.case.value.trim())}`; } },
    h("input", { name: "case", list: "case-ids", placeholder: t("pick_case"), value: id || "", "aria-label": t("pick_case") }),
    h("datalist", { id: "case-ids" }, rows.map((r) => h("option", { value: r.id }, term(r.stage)))),
    h("button", { type: "submit" }, t("open")));
  const body = id ? await caseView(id) : table([
    { label: t("id"), cell: (r) => h("a", { href: `#/audit/${enc(r.id)}` }, r.id) }, { label: t("stage"), cell: (r) => term(r.stage) },
    { label: t("created"), cell: (r) => date(r.created_at) },
  ], rows);
  return { node: h("div", { id: "audit" }, h("h1", {}, t("audit")), await chainStatus(), picker, body) };
}
