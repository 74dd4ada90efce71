// zh-CN (default) and English. Dates in the viewer's time zone, money in yuan with two decimals.
const LANG_KEY = "complaintdesk.lang"; // a display preference, not a secret: localStorage is fine here

const zh = {
  app: "投诉工作台", login: "登录", logout: "退出", username: "用户名", password: "密码", language: "语言",
  queues: "工作队列", board: "主管看板", insights: "数据洞察", audit: "审计", users: "用户", policy: "策略", my_cases: "我的投诉",
  file: "提交投诉", q_mine: "我的", q_unassigned: "未分配", q_at_risk: "即将超时", q_overdue: "已超时",
  search: "搜索（投诉号、订单号、商家号）", filter: "筛选", all: "全部", stage: "阶段", severity: "严重度",
  type: "类型", order: "订单", merchant: "商家", consumer: "消费者", assignee: "处理人", due: "截止",
  id: "投诉号", none: "无", empty: "没有案件", open: "打开", back: "返回", refresh: "刷新", loading: "加载中…",
  summary: "概要", order_facts: "订单信息", classification: "分类", rules_fired: "命中规则", evidence: "证据",
  evidence_requests: "证据请求", offers: "方案阶梯", clocks: "时限", actions: "现在可做的操作", tools: "案件工具",
  timeline: "时间线", why: "原因", who: "谁", when: "时间", what: "事件", progress: "进度",
  you_owe: "您现在需要", nothing_owed: "目前无需您操作", by: "截止", paid: "实付", category: "品类",
  sku: "商品", delivered: "签收", tracking: "物流", carrier: "承运商", channel: "渠道", tier: "档位",
  escalation: "升级级别", priority: "优先级", created: "创建", age: "已过", outcome: "结果", refunded: "已退款",
  confirm: "确认", override: "改判", reason: "理由", submit: "提交", save: "保存", cancel: "取消",
  party: "当事方", note: "说明", kind: "类型", description: "描述", attachment_ref: "附件引用", sha256: "SHA-256",
  from_file: "从文件计算", refund_mode: "退款方式", refund: "退款金额（元）", reship: "补发", accept: "接受",
  decline: "拒绝", approve: "批准", reject: "驳回", withdraw: "撤诉", claim: "认领", assign_to: "指派给",
  pause: "暂停时限", resume: "恢复时限", paused: "已暂停", breached: "已超时", warned: "预警", running: "计时中",
  resolved_score: "问题解决评分", communication_score: "沟通评分", comment: "评论", decision: "决定",
  reference: "退款流水号", tracking_number: "运单号", order_line_id: "订单行", contact: "联系方式（审计）",
  done: "完成", saved: "已保存", failed: "操作被拒绝", changed_reload: "案件已更新。", reload: "刷新",
  suggested: "建议", current: "当前", status: "状态", amount: "金额", made_at: "提出时间", state_at: "某一事件时的状态",
  event: "事件", chain: "审计链", chain_ok: "完整", chain_broken: "断裂", replay: "重放结论", replay_ok: "重放一致",
  replay_diverged: "重放不一致", download_json: "下载 JSON", download_csv: "下载 CSV", what_if: "假设分析",
  complaint_ids: "投诉号（逗号分隔）", run: "运行", changes: "差异", no_changes: "无差异", faithful: "对照可信",
  role: "角色", active: "有效", deactivate: "停用", create_user: "新建用户", consumer_id: "消费者号",
  merchant_id: "商家号", review_diff: "查看差异", diff: "与生效版本的差异", field: "字段", old: "原值", new: "新值",
  version: "版本", policy_errors: "策略校验错误", escalations: "升级案件", tier3: "三档审批", reopened: "重开案件",
  breached_clocks: "超时时限", shortcuts: "快捷键", shortcuts_help: "j/k 上下 · Enter 打开 · / 搜索 · 1–4 切换队列 · c 认领 · a 第一个操作 · Esc 返回",
  live_unavailable: "实时状态不可用", pick_case: "选择案件", liability: "责任方", suggestion_reasons: "建议依据",
  file_done: "已提交投诉", past_offers: "历史方案", gift: "赠券", points: "积分", platform_advance: "平台先行赔付",
  personal: "查看联系方式（将被审计）", relay: "代为", missing: "缺少", invalid_json: "不是有效的 JSON",
  total: "共", minutes: "分钟", penalties: "商家处罚与整改约谈", blocked_until: "限制上新至", interview: "整改约谈",
  interview_due: "待约谈，保证金", interviews: "整改约谈任务", interview_notes: "约谈结论",
  interview_held: "标记已约谈",
};

const en = {
  app: "Complaint desk", login: "Log in", logout: "Log out", username: "Username", password: "Password", language: "Language",
  queues: "Queues", board: "Supervisor board", insights: "Insights", audit: "Audit", users: "Users", policy: "Policy", my_cases: "My complaints",
  file: "File a complaint", q_mine: "Mine", q_unassigned: "Unassigned", q_at_risk: "At risk", q_overdue: "Overdue",
  search: "Search (complaint, order, merchant)", filter: "Filter", all: "All", stage: "Stage", severity: "Severity",
  type: "Type", order: "Order", merchant: "Merchant", consumer: "Consumer", assignee: "Assignee", due: "Due",
  id: "Complaint", none: "none", empty: "No cases", open: "Open", back: "Back", refresh: "Refresh", loading: "Loading…",
  summary: "Summary", order_facts: "Order", classification: "Classification", rules_fired: "Rules fired", evidence: "Evidence",
  evidence_requests: "Evidence requests", offers: "Offer ladder", clocks: "Clocks", actions: "What can be done now", tools: "Case tools",
  timeline: "Timeline", why: "Why", who: "Who", when: "When", what: "What", progress: "Progress",
  you_owe: "What you need to do now", nothing_owed: "Nothing for you to do right now", by: "by", paid: "Paid", category: "Category",
  sku: "Item", delivered: "Delivered", tracking: "Tracking", carrier: "Carrier", channel: "Channel", tier: "Tier",
  escalation: "Escalation level", priority: "Priority", created: "Created", age: "Age", outcome: "Outcome", refunded: "Refunded",
  confirm: "Confirm", override: "Override", reason: "Reason", submit: "Submit", save: "Save", cancel: "Cancel",
  party: "Party", note: "Note", kind: "Kind", description: "Description", attachment_ref: "Attachment reference", sha256: "SHA-256",
  from_file: "Compute from a file", refund_mode: "Refund mode", refund: "Refund (yuan)", reship: "Reship", accept: "Accept",
  decline: "Decline", approve: "Approve", reject: "Reject", withdraw: "Withdraw", claim: "Claim", assign_to: "Assign to",
  pause: "Pause clock", resume: "Resume clock", paused: "paused", breached: "breached", warned: "warning", running: "running",
  resolved_score: "Resolved score", communication_score: "Communication score", comment: "Comment", decision: "Decision",
  reference: "Refund reference", tracking_number: "Tracking number", order_line_id: "Order line", contact: "Contact data (audited)",
  done: "Done", saved: "Saved", failed: "Refused", changed_reload: "This case changed.", reload: "Reload",
  suggested: "suggested", current: "current", status: "Status", amount: "Amount", made_at: "Made", state_at: "State at an event",
  event: "Event", chain: "Audit chain", chain_ok: "intact", chain_broken: "broken", replay: "Replay verdict", replay_ok: "replays cleanly",
  replay_diverged: "diverges", download_json: "Download JSON", download_csv: "Download CSV", what_if: "What-if",
  complaint_ids: "Complaint ids (comma separated)", run: "Run", changes: "Differences", no_changes: "no differences", faithful: "control faithful",
  role: "Role", active: "Active", deactivate: "Deactivate", create_user: "Create user", consumer_id: "Consumer id",
  merchant_id: "Merchant id", review_diff: "Review changes", diff: "Changes against the active version", field: "Field", old: "Active", new: "New",
  version: "Version", policy_errors: "Policy validation errors", escalations: "Escalations", tier3: "Tier-3 approvals", reopened: "Re-opened cases",
  breached_clocks: "Breached clocks", shortcuts: "Shortcuts", shortcuts_help: "j/k move · Enter open · / search · 1–4 queues · c claim · a first action · Esc back",
  live_unavailable: "Live state unavailable", pick_case: "Pick a case", liability: "Liable party", suggestion_reasons: "Why suggested",
  file_done: "Complaint filed", past_offers: "Offers so far", gift: "Coupon", points: "Points", platform_advance: "Platform advance",
  personal: "Show contact data (audited)", relay: "on behalf of", missing: "missing", invalid_json: "not valid JSON",
  total: "total", minutes: "min", penalties: "Penalties and rectification interviews", blocked_until: "Listings blocked until",
  interview: "Rectification interview", interview_due: "due, deposit", interviews: "Rectification interviews",
  interview_notes: "What was agreed", interview_held: "Mark held",
};

// Vocabulary of the API's enums.
const TERMS = {
  "zh-CN": {
    intake: "受理", classification: "分类", evidence: "举证", negotiation: "协商", execution: "执行", review: "回访",
    reopened: "重开", closed: "已结案", withdrawn: "已撤诉", rejected: "不予受理",
    consumer: "消费者", merchant: "商家", carrier: "承运商", platform: "平台", agent: "客服", supervisor: "主管",
    auditor: "审计员", admin: "管理员", supervisor_queue: "主管队列", deadline: "时限", system: "系统",
    quality_defect: "质量问题", not_as_described: "与描述不符", counterfeit: "假冒", logistics: "物流",
    after_sales: "售后", platform_service: "平台服务", food_safety: "食品安全",
    immediate: "即时", quality: "质量", service: "服务",
    refund: "一档 退款", refund_plus_gift: "二档 退款+补偿", refund_only: "仅退款", return_and_refund: "退货退款",
    awaiting_approval: "待主管审批", pending: "待答复", accepted: "已接受", declined: "已拒绝", lapsed: "已失效",
    rejected_by_supervisor: "主管驳回", renegotiate: "重新协商", close: "结案", retry_execution: "重试执行",
    complete_intake: "完成受理", review_classification: "确认分类", request_evidence: "请求证据",
    submit_evidence: "提交证据", set_liability: "认定责任", make_offer: "提出方案", respond_to_offer: "答复方案",
    approve_tier3: "审批三档方案", withdraw: "撤诉", answer_survey: "回答满意度调查", assign: "认领/指派",
    control_clock: "暂停/恢复时限", supervisor_review: "主管复核", confirm_merchant_refund: "确认商家退款",
    confirm_shipment: "确认补发",
    interview_open: "待约谈", interview_overdue: "约谈已逾期", interview_held: "已约谈",
  },
  en: {
    platform_advance: "tier 3 platform advance", refund: "tier 1 refund", refund_plus_gift: "tier 2 refund + gift",
    supervisor_queue: "supervisor queue", awaiting_approval: "awaiting approval", rejected_by_supervisor: "rejected by supervisor",
    interview_open: "due", interview_overdue: "overdue", interview_held: "held",
  },
};
TERMS["zh-CN"].platform_advance = "三档 平台先行赔付";

export let lang = localStorage.getItem(LANG_KEY) || "zh-CN";
const strings = { "zh-CN": zh, en };

export function setLang(value) {
  lang = strings[value] ? value : "zh-CN";
  localStorage.setItem(LANG_KEY, lang);
  document.documentElement.lang = lang;
}
document.documentElement.lang = lang;

export function t(key) { return strings[lang][key] ?? en[key] ?? key; }

/** An API enum value in words: stage, party, type, action... (unknown values are shown as they are). */
export function term(value) {
  if (value === null || value === undefined || value === "") return "–";
  const own = TERMS[lang][value];
  if (own) return own;
  return lang === "en" ? String(value).replaceAll("_", " ") : String(value);
}

export function date(iso) {
  if (!iso) return "–";
  return new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso));
}

/** Integer minor units (fen) as yuan with two decimals. */
export function money(minor) {
  if (minor === null || minor === undefined) return "–";
  return new Intl.NumberFormat(lang, { style: "currency", currency: "CNY", minimumFractionDigits: 2,
                                       maximumFractionDigits: 2 }).format(minor / 100);
}

/** "2h 05m" until due, "-0h 10m" past it. */
export function countdown(iso, now = Date.now()) {
  if (!iso) return "–";
  const ms = new Date(iso).getTime() - now;
  const seconds = Math.floor(Math.abs(ms) / 1000);
  if (seconds < 3600) { // under an hour the seconds matter
    const text = lang === "zh-CN" ? `${Math.floor(seconds / 60)}分 ${String(seconds % 60).padStart(2, "0")}秒`
                                  : `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, "0")}s`;
    return ms < 0 ? `-${text}` : text;
  }
  const total = Math.floor(seconds / 60);
  const days = Math.floor(total / 1440);
  const hours = Math.floor((total % 1440) / 60);
  const minutes = String(total % 60).padStart(2, "0");
  const [d, hr, min] = lang === "zh-CN" ? ["天", "小时", "分"] : ["d", "h", "m"];
  const text = days ? `${days}${d} ${hours}${hr} ${minutes}${min}` : `${hours}${hr} ${minutes}${min}`;
  return ms < 0 ? `-${text}` : text;
}

export function age(iso, now = Date.now()) { return iso ? countdown(new Date(2 * now - new Date(iso).getTime()).toISOString(), now) : "–"; }
