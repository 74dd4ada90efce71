// Insights (supervisors and auditors): the complaint trend, top merchants and SKUs by complaint rate, the root
// causes, as plotly.js charts, and the active early-warning flags with their evidence. Every figure is read from
// GET /insights/summary, /insights/breakdown and /insights/flags, the same figures as the API and the CSV.
import { get, qs } from "../api.js";
import { lang, date } from "../i18n.js";
import { h, section, table, select } from "../ui.js";

// The bundle comes from the installed plotly wheel (console/charts.py), loaded on first use of this page.
const PLOTLY_SRC = "/console/lib/plotly.min.js";
const WINDOWS = [30, 90, 180];

const words = {
  "zh-CN": {
    insights: "数据洞察", window: "时间范围", days: "天", filed: "投诉", counted: "有效投诉", per_1000: "每千订单行投诉",
    p50: "解决时长中位数（小时）", satisfied: "满意率", trend: "投诉趋势（按日）", complaints: "投诉数",
    rate: "每千订单行", top_merchants: "投诉率最高的商家", top_skus: "投诉率最高的商品", root_causes: "根因分布",
    flags: "预警（生效中）", no_flags: "没有生效的预警", subject: "对象", raised: "触发时间", evidence: "证据",
    baseline: "对照", ratio: "倍数", p_value: "p 值", merchant: "商家", sku: "商品", no_data: "该时间范围内没有数据",
    chart_failed: "图表库未能加载",
  },
  en: {
    insights: "Insights", window: "Window", days: "days", filed: "Filed", counted: "Complaints", per_1000: "Per 1,000 order lines",
    p50: "Median resolution (h)", satisfied: "Satisfied", trend: "Complaints per day", complaints: "Complaints",
    rate: "Per 1,000 order lines", top_merchants: "Top merchants by complaint rate", top_skus: "Top SKUs by complaint rate",
    root_causes: "Root causes", flags: "Early warnings (active)", no_flags: "No active early warning", subject: "Subject",
    raised: "Raised", evidence: "Evidence", baseline: "Reference", ratio: "Ratio", p_value: "p-value", merchant: "Merchant",
    sku: "SKU", no_data: "No data in this window", chart_failed: "The chart library did not load",
  },
};
const w = (key) => (words[lang] || words.en)[key] ?? words.en[key] ?? key;
const ROOT_CAUSE = {
  "zh-CN": { merchant_product: "商品问题", merchant_service: "商家服务", carrier: "物流", consumer: "消费者原因",
             platform: "平台", unsubstantiated: "未证实", withdrawn: "撤诉", unknown: "未归因" },
  en: { merchant_product: "Product", merchant_service: "Merchant service", carrier: "Carrier", consumer: "Consumer",
        platform: "Platform", unsubstantiated: "Unsubstantiated", withdrawn: "Withdrawn", unknown: "Not attributed" },
};
const rootCause = (key) => (ROOT_CAUSE[lang] || ROOT_CAUSE.en)[key] ?? key;

let loading = null;
function chartLibrary() {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  loading ??= new Promise((resolve, reject) => {
    // plotly.js adds no <style> of its own when this element exists (the console's CSP allows no inline style).
    if (!document.getElementById("plotly.js-style-global")) {
      document.head.append(h("link", { id: "plotly.js-style-global", class: "no-inline-styles", rel: "stylesheet", href: "insights.css" }));
    }
    const script = h("script", { src: PLOTLY_SRC });
    script.addEventListener("load", () => resolve(window.Plotly));
    script.addEventListener("error", () => { loading = null; reject(new Error(w("chart_failed"))); });
    document.head.append(script);
  });
  return loading;
}

const CONFIG = { displayModeBar: false, responsive: true };
const LAYOUT = {
  height: 300, margin: { l: 60, r: 20, t: 10, b: 50 }, paper_bgcolor: "#fff", plot_bgcolor: "#fff",
  font: { family: 'system-ui, "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif', size: 12, color: "#1d2733" },
};
const ACCENT = "#0b63c5", AMBER = "#b86e00";

function windowParams(days) {
  const to = new Date();
  return { created_from: new Date(to.getTime() - days * 86400_000).toISOString(), created_to: to.toISOString() };
}

function chartBox(id) { return h("div", { id, class: "chart", role: "img" }); }

function kpis(summary) {
  const c = summary.counts, sat = summary.satisfaction.satisfied;
  const items = [
    [w("filed"), c.filed], [w("counted"), c.counted],
    [w("per_1000"), c.complaints_per_1000_order_lines ?? "–"],
    [w("p50"), summary.resolution.p50_hours ?? "–"],
    [w("satisfied"), sat.rate === null ? "–" : `${Math.round(sat.rate * 1000) / 10}%`],
  ];
  return h("dl", { class: "kpis", id: "insight-kpis" }, items.map(([label, value]) =>
    h("div", {}, h("dt", {}, label), h("dd", { "data-kpi": label }, String(value)))));
}

function flagsTable(flags) {
  if (!flags.length) return h("p", { class: "muted", id: "insight-flags" }, w("no_flags"));
  const tests = (f) => (f.evidence.tests || []).map((t) =>
    `${t.reference === "category" ? (lang === "en" ? "category" : "品类") : (lang === "en" ? "own baseline" : "自身基线")} `
    + `${t.reference_rate_per_1000 ?? "–"}‰, ${w("ratio")} ${t.ratio ?? "∞"}, p=${Number(t.p_value).toPrecision(3)}`).join("; ");
  return h("div", { id: "insight-flags" }, table([
    { key: "subject", label: w("subject"), cell: (f) => `${w(f.subject_kind)} ${f.subject_id}` },
    { key: "merchant", label: w("merchant"), cell: (f) => f.merchant_id || "–" },
    { key: "rate", label: w("rate"), cell: (f) => `${f.evidence.rate_per_1000 ?? "–"} (${f.evidence.complaints}/${f.evidence.lines})` },
    { key: "evidence", label: w("evidence"), cell: tests },
    { key: "raised", label: w("raised"), cell: (f) => date(f.raised_at) },
  ], flags, (f) => ({ "data-flag": f.subject_id })));
}

/** Every UTC day of the window, with the days nobody complained as zero (the API lists days with complaints). */
function everyDay(rows, params) {
  const byDay = new Map(rows.map((r) => [r.key, r]));
  const out = [];
  for (let d = new Date(params.created_from.slice(0, 10)); d.toISOString() < params.created_to; d.setUTCDate(d.getUTCDate() + 1)) {
    const key = d.toISOString().slice(0, 10);
    out.push(byDay.get(key) || { key, complaints: 0, per_1000_order_lines: null });
  }
  return out;
}

async function draw(Plotly, nodes, figures) {
  const { merchants, skus, causes } = figures;
  const trend = everyDay(figures.trend, figures.params);
  await Plotly.newPlot(nodes.trend, [
    { type: "bar", name: w("complaints"), x: trend.map((r) => r.key), y: trend.map((r) => r.complaints), marker: { color: ACCENT } },
    { type: "scatter", mode: "lines+markers", name: w("rate"), x: trend.map((r) => r.key),
      y: trend.map((r) => r.per_1000_order_lines), yaxis: "y2", line: { color: AMBER } },
  ], { ...LAYOUT, legend: { orientation: "h", y: 1.12 }, yaxis: { title: { text: w("complaints") } },
       xaxis: { type: "date", tickformat: "%m-%d" },
       yaxis2: { title: { text: w("rate") }, overlaying: "y", side: "right", rangemode: "tozero" },
       margin: { ...LAYOUT.margin, r: 60 } }, CONFIG);
  for (const [node, rows] of [[nodes.merchants, merchants], [nodes.skus, skus]]) {
    const shown = [...rows].reverse(); // the highest rate on top
    await Plotly.newPlot(node, [{
      type: "bar", orientation: "h", x: shown.map((r) => r.per_1000_order_lines), y: shown.map((r) => r.key),
      text: shown.map((r) => `${r.complaints} / ${r.order_lines}`), textposition: "auto", marker: { color: ACCENT },
    }], { ...LAYOUT, margin: { ...LAYOUT.margin, l: 120 }, xaxis: { title: { text: w("rate") } } }, CONFIG);
  }
  await Plotly.newPlot(nodes.causes, [{
    type: "pie", hole: 0.45, sort: false, labels: causes.map((r) => rootCause(r.key)), values: causes.map((r) => r.complaints),
    textinfo: "label+value",
  }], { ...LAYOUT, showlegend: false }, CONFIG);
}

export async function insightsPage(days = 90) {
  const Plotly = await chartLibrary();
  const params = windowParams(days);
  const [summary, trend, merchants, skus, causes, flags] = await Promise.all([
    get(`/insights/summary${qs(params)}`),
    get(`/insights/breakdown${qs({ ...params, by: "day", limit: 1000 })}`),
    get(`/insights/breakdown${qs({ ...params, by: "merchant", sort: "rate", limit: 10 })}`),
    get(`/insights/breakdown${qs({ ...params, by: "sku", sort: "rate", limit: 10 })}`),
    get(`/insights/breakdown${qs({ ...params, by: "root_cause", sort: "complaints", limit: 20 })}`),
    get(`/insights/flags${qs({ active: true, limit: 100 })}`),
  ]);
  const nodes = { trend: chartBox("chart-trend"), merchants: chartBox("chart-merchants"),
                  skus: chartBox("chart-skus"), causes: chartBox("chart-root-causes") };
  const picker = select("window", WINDOWS.map((d) => [String(d), `${d} ${w("days")}`]), String(days), {
    id: "insight-window", "aria-label": w("window"),
    onchange: (e) => { location.hash = `#/insights/${e.target.value}`; },
  });
  const empty = summary.counts.filed === 0;
  const node = h("div", { class: "insights" },
    h("div", { class: "toolbar" }, h("h1", {}, w("insights")), h("label", {}, `${w("window")} `, picker)),
    section(w("flags"), flagsTable(flags)),
    kpis(summary),
    empty ? h("p", { class: "muted" }, w("no_data")) : null,
    h("div", { class: "chart-grid" },
      section(w("trend"), nodes.trend),
      section(w("root_causes"), nodes.causes),
      section(w("top_merchants"), nodes.merchants),
      section(w("top_skus"), nodes.skus)));
  return {
    node,
    // Drawn once the page is in the document: plotly measures the boxes it draws into.
    ready: () => draw(Plotly, nodes, { trend, merchants, skus, causes, params }).then(() => { node.dataset.drawn = "true"; }),
    stop: () => Object.values(nodes).forEach((n) => Plotly.purge(n)),
  };
}
