// Agent queues: mine, unassigned, at risk, overdue (and all open), with filters, search and live refresh.
import { get, qs, auth } from "../api.js";
import { t, term, date } from "../i18n.js";
import { h, table, select, deadline } from "../ui.js";
import { watch } from "../live.js";
import { enrichCountdowns, shortcuts, throttle, LIST_REFRESH_MS } from "./common.js";

const QUEUES = ["mine", "unassigned", "at-risk", "overdue", "all"];
const LABEL = { mine: "q_mine", unassigned: "q_unassigned", "at-risk": "q_at_risk", overdue: "q_overdue", all: "all" };
const STAGES = ["intake", "classification", "evidence", "negotiation", "execution", "review", "reopened"];

async function load(queue, filters) {
  const server = { stage: filters.stage, severity: filters.severity };
  if (/^M\w+$/i.test(filters.search)) server.merchant_id = filters.search.toUpperCase();
  let rows;
  if (queue === "mine") rows = (await get("/queues/mine?limit=200")).items;
  else if (queue === "at-risk") rows = (await get("/queues/at-risk?within_minutes=240&limit=200")).items;
  else if (queue === "overdue") rows = (await get("/queues/overdue?limit=200")).items;
  else {
    // The list has no "unassigned" filter: the soonest-due 200 open cases are filtered here.
    rows = (await get(`/complaints${qs({ ...server, is_open: true, sort: "sla_due_at", limit: 200 })}`)).items;
    if (queue === "unassigned") rows = rows.filter((r) => !r.assignee);
  }
  const needle = filters.search.toLowerCase();
  return rows.filter((r) => (!filters.stage || r.stage === filters.stage) && (!filters.severity || r.severity === filters.severity)
    && (!needle || [r.id, r.order_id, r.merchant_id].some((v) => (v || "").toLowerCase().includes(needle))));
}

export async function queuesPage(queue) {
  if (!QUEUES.includes(queue)) queue = "mine";
  const filters = { stage: "", severity: "", search: "" };
  let selected = 0;
  let rows = [];
  let aborter = new AbortController();
  const results = h("div", { id: "queue-results" });
  const search = h("input", { type: "search", id: "search", name: "search", placeholder: t("search"), "aria-label": t("search") });

  const columns = [
    { key: "id", label: t("id"), cell: (r) => h("a", { href: `#/case/${encodeURIComponent(r.id)}` }, r.id) },
    { key: "severity", label: t("severity"), cell: (r) => h("span", { class: `sev sev-${r.severity || "none"}` }, r.severity || "–") },
    { key: "stage", label: t("stage"), cell: (r) => term(r.stage) },
    { key: "type", label: t("type"), cell: (r) => term(r.type) },
    { key: "order", label: t("order"), cell: (r) => r.order_id },
    { key: "merchant", label: t("merchant"), cell: (r) => r.merchant_id || "–" },
    { key: "assignee", label: t("assignee"), cell: (r) => r.assignee ? (r.assignee === auth.user.id ? "✓ " + auth.user.username : r.assignee) : "–" },
    { key: "escalation", label: t("escalation"), cell: (r) => r.escalation_level || "" },
    { key: "created", label: t("created"), cell: (r) => date(r.created_at) },
    { key: "due", label: t("due"), cell: (r) => deadline(r.sla_due_at, { paused: r.sla_paused }) },
  ];

  function highlight() {
    results.querySelectorAll("tbody tr").forEach((tr, i) => tr.classList.toggle("selected", i === selected));
  }

  async function refresh() {
    aborter.abort();
    aborter = new AbortController();
    try {
      rows = await load(queue, filters);
    } catch (err) {
      results.replaceChildren(h("p", { class: "form-error", role: "alert" }, err.message));
      return;
    }
    selected = Math.min(selected, Math.max(rows.length - 1, 0));
    results.replaceChildren(rows.length ? table(columns, rows, (r) => ({ "data-id": r.id }))
                                        : h("p", { class: "muted" }, t("empty")),
                            h("p", { class: "muted" }, `${t("total")} ${rows.length}`));
    highlight();
    enrichCountdowns(rows, results, aborter.signal);
  }

  const filterBar = h("form", { class: "filters", onsubmit: (e) => { e.preventDefault(); searchNow(); } },
    select("stage", [["", `${t("stage")}: ${t("all")}`], ...STAGES.map((s) => [s, term(s)])], "",
           { "aria-label": t("stage"), onchange: (e) => { filters.stage = e.target.value; refresh(); } }),
    select("severity", [["", `${t("severity")}: ${t("all")}`], ["A", "A"], ["B", "B"], ["C", "C"]], "",
           { "aria-label": t("severity"), onchange: (e) => { filters.severity = e.target.value; refresh(); } }),
    search, h("button", { type: "submit" }, t("filter")));

  async function searchNow() {
    filters.search = search.value.trim();
    if (/^CMP-/i.test(filters.search)) {
      location.hash = `#/case/${encodeURIComponent(filters.search)}`;
      return;
    }
    refresh();
  }

  const tabs = h("nav", { class: "tabs" }, QUEUES.map((q, i) =>
    h("a", { href: `#/queues/${q}`, class: q === queue ? "here" : "", title: `${i + 1}` }, t(LABEL[q]))));
  const node = h("div", {}, h("h1", {}, t("queues")), tabs, filterBar, results,
                 h("p", { class: "muted shortcuts" }, `${t("shortcuts")}: ${t("shortcuts_help")}`));

  const stopKeys = shortcuts({
    j: () => { selected = Math.min(selected + 1, rows.length - 1); highlight(); },
    k: () => { selected = Math.max(selected - 1, 0); highlight(); },
    Enter: () => { if (rows[selected]) location.hash = `#/case/${encodeURIComponent(rows[selected].id)}`; },
    "/": () => search.focus(),
    1: () => { location.hash = "#/queues/mine"; }, 2: () => { location.hash = "#/queues/unassigned"; },
    3: () => { location.hash = "#/queues/at-risk"; }, 4: () => { location.hash = "#/queues/overdue"; },
  });
  await refresh();
  const stopLive = watch(null, throttle(refresh, LIST_REFRESH_MS));
  return { node, stop: () => { stopKeys(); stopLive(); aborter.abort(); } };
}
