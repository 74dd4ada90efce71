"""The operator-editable policy: every deadline, amount and threshold of the business.

Loaded from a YAML file (see policy/default.yaml), validated here, and handed to each case
workflow as a snapshot when the case starts, so a case finishes under the rules it started with.
Durations accept ISO 8601 ("PT15M", "P7D") or seconds.
"""

from datetime import time, timedelta
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeInt,
    PositiveInt,
    model_validator,
)

from models.enums import Category, ComplaintType, Severity
from models.policy_insights import InsightsPolicy


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BusinessHours(_Strict):
    """When enabled, SLA clocks only run inside these hours (policy timezone)."""

    enabled: bool = Field(False, description="when true, SLA clocks run only inside the working hours below")
    timezone: str = Field("Asia/Shanghai", description="IANA time zone of the working hours")
    start: time = Field(time(9, 0), description="opening time of a working day")
    end: time = Field(time(18, 0), description="closing time of a working day")
    weekdays: list[int] = Field(default=[0, 1, 2, 3, 4], description="working days, 0 = Monday … 6 = Sunday")

    @model_validator(mode="after")
    def _start_before_end(self) -> "BusinessHours":
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            # The zone is `timezone`; an aware time beside a naive one cannot even be compared.
            raise ValueError(
                "business_hours.start and end are local times without a zone offset "
                "(the zone is business_hours.timezone)"
            )
        if self.start >= self.end:
            raise ValueError("business_hours.start must be before business_hours.end")
        return self


class IntakePolicy(_Strict):
    completion: timedelta = Field(
        timedelta(minutes=15),
        description="time an agent has to complete a filing's missing basic information (intake clock)",
    )
    supplement: timedelta = Field(
        timedelta(hours=24), description="time the consumer has to supply missing information before the one reminder"
    )
    supplement_reminder: timedelta = Field(
        timedelta(hours=12),
        description="grace after the one supplement reminder; an intake still incomplete then closes as invalid",
    )
    after_sales_window_days: dict[Category, PositiveInt] = Field(
        default={
            Category.FRESH: 7,
            Category.FOOD: 7,
            Category.CLOTHING: 15,
            Category.COSMETICS: 15,
            Category.ELECTRONICS: 30,
            Category.HOME: 15,
            Category.OTHER: 15,
        },
        description="days after delivery (or the order, if never delivered) in which a complaint can be filed, "
        "per category; a category left out has no limit",
    )
    evidence_required_for: list[ComplaintType] = Field(
        default=[
            ComplaintType.QUALITY_DEFECT,
            ComplaintType.COUNTERFEIT,
            ComplaintType.FOOD_SAFETY,
            ComplaintType.NOT_AS_DESCRIBED,
        ],
        description="complaint types that cannot leave intake without at least one piece of evidence",
    )


class ClassificationPolicy(_Strict):
    """How a complaint's text becomes a suggested type, dispute class and severity.

    The keywords below are features of the classifier (policy/classifier.py): a keyword the text
    affirms pushes towards its type, one the text denies ("没有变质", "not broken") does not.
    """

    keywords: dict[ComplaintType, list[str]] = Field(
        description="words (Chinese or English) that point at each complaint type: the keyword rules' whole "
        "vocabulary, and features of the classifier",
        default={
            ComplaintType.FOOD_SAFETY: [
                "变质",
                "spoiled",
                "过敏",
                "allergy",
                "allergic",
                "食物中毒",
                "food poisoning",
                "发霉",
                "mould",
                "mold",
                "rotten",
                "腐烂",
                "异物",
                "foreign object",
            ],
            ComplaintType.COUNTERFEIT: ["假货", "counterfeit", "fake", "仿冒", "replica", "防伪"],
            ComplaintType.QUALITY_DEFECT: [
                "破损",
                "damaged",
                "broken",
                "坏了",
                "defect",
                "defective",
                "质量",
                "故障",
                "not working",
                "cracked",
            ],
            ComplaintType.LOGISTICS: [
                "丢件",
                "lost",
                "延误",
                "late",
                "delayed",
                "错发",
                "wrong item",
                "未收到",
                "not received",
                "快递",
                "courier",
            ],
            ComplaintType.NOT_AS_DESCRIBED: [
                "色差",
                "colour difference",
                "color difference",
                "与描述不符",
                "not as described",
                "虚假宣传",
                "false advertising",
                "尺码不符",
            ],
            ComplaintType.AFTER_SALES: [
                "不退款",
                "refuses refund",
                "拒绝售后",
                "不理",
                "ignored",
                "stalling",
                "拖延",
                "no reply",
            ],
            ComplaintType.PLATFORM_SERVICE: [
                "支付失败",
                "payment failed",
                "无法取消",
                "cannot cancel",
                "扣款",
                "charged twice",
            ],
        },
    )
    classifier_keywords: dict[ComplaintType, list[str]] = Field(
        description="more words per type that only the classifier weighs (added to keywords); the keyword rules "
        "of cases classified in the workflow ignore them",
        default={
            ComplaintType.FOOD_SAFETY: [
                "过期",
                "expired",
                "长毛",
                "发臭",
                "臭了",
                "拉肚子",
                "腹泻",
                "呕吐",
                "红疹",
                "疹子",
                "起疹",
                "红肿",
                "刺痛",
                "灼烧",
                "rash",
                "hives",
                "vomit",
                "diarrhea",
                "rancid",
                "mouldy",
                "moldy",
                "有虫",
                "insect",
                "苍蝇",
                "绿毛",
                "白毛",
                "肿了",
                "痒",
                "itchy",
                "stomach",
                "sick after",
                "皮炎",
                "风团",
                "吃出",
                "doctor",
                "ingredient",
                "成分",
                "脸",
                "皮肤",
                "skin",
                "face",
                "scalp",
                "头皮",
                "嘴",
                "吃了",
                "喝了",
                "吃完",
                "喝完",
                "味道",
                "smell",
                "taste",
                "嗓子",
                "喉咙",
                "化了",
                "thawed",
                "蚂蚁",
                "不新鲜",
                "dermatologist",
                "slime",
                "slimy",
                "bug",
                "发酸",
                "发粘",
                "臭",
                "bulging",
                "胀包",
                "胀袋",
                "botulism",
                "swell",
                "urgent care",
                "eat",
                "ate",
                "drink",
                "吃",
                "喝",
            ],
            ComplaintType.COUNTERFEIT: [
                "高仿",
                "仿品",
                "山寨",
                "冒牌",
                "不是正品",
                "非正品",
                "查无此码",
                "knockoff",
                "knock-off",
                "not genuine",
                "not authentic",
                "counterfit",
                "counterfiet",
                "授权",
                "假的",
                "正品",
                "专柜",
                "鉴定",
                "序列号",
                "serial",
                "genuine",
                "authentic",
                "original",
                "logo",
                "翻新",
                "refurbished",
                "copy",
                "clone",
                "水货",
                "原装",
                "官方",
                "官网",
                "品牌方",
                "假冒",
                "二维码",
                "批号",
                "编号",
                "hologram",
            ],
            ComplaintType.QUALITY_DEFECT: [
                "坏掉",
                "开不了机",
                "没反应",
                "不亮",
                "开线",
                "开胶",
                "断了",
                "失灵",
                "死机",
                "stopped working",
                "doesn't work",
                "won't turn on",
                "faulty",
                "malfunction",
                "dead on arrival",
                "brokn",
                "漏水",
                "leaking",
                "leaks",
                "用了",
                "after a week",
                "stopped",
                "坏",
                "裂",
                "掉了",
                "松了",
                "不转",
                "不制冷",
                "battery",
                "电池",
                "声音",
                "noise",
            ],
            ComplaintType.LOGISTICS: [
                "没收到",
                "签收",
                "物流",
                "派送",
                "驿站",
                "发错",
                "少发",
                "漏发",
                "压坏",
                "压扁",
                "外箱",
                "运输",
                "包裹",
                "never arrived",
                "tracking",
                "parcel",
                "package",
                "crushed",
                "shipment",
                "delivery",
                "shipping",
                "delivered",
                "发货",
                "送货",
                "快递员",
                "单号",
                "到货",
                "还没到",
                "送错",
                "寄错",
                "地址",
                "address",
                "arrived",
                "sorting",
                "中转",
                "delivery guy",
            ],
            ComplaintType.NOT_AS_DESCRIBED: [
                "描述不符",
                "货不对板",
                "宣传",
                "详情页",
                "图片",
                "实物",
                "不符",
                "misleading",
                "listing",
                "advertised",
                "photos",
                "claims",
                "页面",
                "写的",
                "标的",
                "说是",
                "声称",
                "描述",
                "图上",
                "模特",
                "color",
                "colour",
                "颜色",
                "尺码",
                "size",
                "smaller",
                "dimensions",
                "said",
                "says",
                "只有",
            ],
            ComplaintType.AFTER_SALES: [
                "拒绝退款",
                "不回复",
                "不回消息",
                "已读不回",
                "不处理",
                "推脱",
                "售后",
                "退货申请",
                "refused",
                "no response",
                "never answered",
                "warranty",
                "return request",
                "seller",
                "商家",
                "客服",
                "退货",
                "退款",
                "refund",
                "return",
                "回复",
                "不回",
                "答应",
                "承诺",
                "拉黑",
                "态度",
                "推",
                "ticket",
                "never answers",
                "shop",
                "维修",
                "补发",
            ],
            ComplaintType.PLATFORM_SERVICE: [
                "付款失败",
                "扣了两次",
                "重复扣款",
                "取消不了",
                "优惠券",
                "闪退",
                "平台",
                "账户",
                "积分",
                "到账",
                "double charged",
                "can't cancel",
                "checkout",
                "coupon",
                "promo code",
                "account",
                "app",
                "付款",
                "支付",
                "扣了",
                "扣费",
                "扣钱",
                "charged",
                "card",
                "系统",
                "登录",
                "验证码",
                "自动续费",
                "订单状态",
                "余额",
                "提现",
                "会员",
                "login",
                "subscription",
                "取消",
            ],
        },
    )
    # Order matters: the first type in this list whose keywords match wins ties.
    precedence: list[ComplaintType] = Field(
        default=[
            ComplaintType.FOOD_SAFETY,
            ComplaintType.COUNTERFEIT,
            ComplaintType.LOGISTICS,
            ComplaintType.QUALITY_DEFECT,
            ComplaintType.NOT_AS_DESCRIBED,
            ComplaintType.AFTER_SALES,
            ComplaintType.PLATFORM_SERVICE,
        ],
        description="legacy keyword rules only: the type that wins when the keywords of several match",
    )
    severity_a_keywords: list[str] = Field(
        default=[
            "过敏",
            "allergy",
            "allergic",
            "变质",
            "spoiled",
            "食物中毒",
            "food poisoning",
            "安全",
            "safety",
            "burn",
            "烧伤",
            "injury",
            "受伤",
        ],
        description="words that make a complaint urgent (A) when the text affirms them",
    )
    classifier_urgent_keywords: list[str] = Field(
        default=[
            "拉肚子",
            "腹泻",
            "呕吐",
            "吐了",
            "医院",
            "急诊",
            "红疹",
            "疹子",
            "起疹",
            "红肿",
            "刺痛",
            "灼烧",
            "水泡",
            "发霉",
            "长毛",
            "霉",
            "腐烂",
            "发臭",
            "过期",
            "异物",
            "烫伤",
            "划伤",
            "摔伤",
            "着火",
            "起火",
            "冒烟",
            "火花",
            "爆炸",
            "炸了",
            "漏电",
            "触电",
            "窒息",
            "危险",
            "rash",
            "hives",
            "swollen",
            "vomit",
            "diarrhea",
            "hospital",
            "rotten",
            "mould",
            "moldy",
            "mouldy",
            "expired",
            "injured",
            "fire",
            "smoke",
            "spark",
            "shock",
            "choking",
            "dangerous",
            "blister",
            "肿了",
            "肿起来",
            "被电",
            "电了一下",
            "烧焦",
            "烤黄",
            "绿毛",
            "白毛",
            "痒",
            "疼",
            "胃疼",
            "肚子疼",
            "发烧",
            "头晕",
            "心慌",
            "皮炎",
            "风团",
            "孩子",
            "宝宝",
            "婴儿",
            "玻璃碴",
            "burned",
            "sick",
            "doctor",
            "emergency",
            "epipen",
            "itching",
            "stinging",
            "dizzy",
            "overheated",
            "hazard",
            "差点",
            "险些",
            "爆了",
            "烧了",
            "smoking",
            "swell",
            "urgent care",
            "bulging",
            "botulism",
            "刹车",
            "撞车",
            "brake",
            "slimy",
            "发酸",
            "臭",
            "流血",
            "出血",
            "割破",
            "划破",
            "割伤",
            "割到",
            "骨折",
            "扭伤",
            "摔倒",
            "砸到",
            "砸伤",
            "夹伤",
            "夹到手",
            "扎伤",
            "扎到",
            "烫到",
            "烫红",
            "烫起泡",
            "淤青",
            "缝针",
            "伤口",
            "头疼",
            "头痛",
            "恶心",
            "想吐",
            "胸闷",
            "呼吸困难",
            "喘不上气",
            "咳嗽",
            "中毒",
            "有毒",
            "甲醛",
            "刺鼻",
            "副作用",
            "不良反应",
            "住院",
            "看医生",
            "就医",
            "诊所",
            "误食",
            "误吞",
            "吞下",
            "噎",
            "卡喉咙",
            "发麻",
            "麻了",
            "红斑",
            "脱皮",
            "化脓",
            "肿",
            "疙瘩",
            "爆痘",
            "流泪",
            "漏气",
            "煤气",
            "燃气味",
            "爆裂",
            "炸裂",
            "自燃",
            "短路",
            "焦味",
            "鼓包",
            "锋利",
            "毛刺",
            "倒塌",
            "电到",
            "老人",
            "孕妇",
            "bleeding",
            "bleed",
            "stitches",
            "bruise",
            "fracture",
            "sprain",
            "scald",
            "hurt",
            "wound",
            "nausea",
            "headache",
            "poison",
            "toxic",
            "formaldehyde",
            "fumes",
            "swallowed",
            "choke",
            "numb",
            "fever",
            "asthma",
            "breathing",
            "pharmacist",
            "itch",
            "blisters",
            "throat",
            "explode",
            "scorch",
            "overheat",
            "collapsed",
            "child",
            "children",
            "baby",
            "infant",
            "toddler",
            "pregnant",
            "allergic reaction",
            "side effect",
            "gas leak",
            "gas smell",
            "sharp edge",
            "caught fire",
            "胀袋",
            "胀包",
            "发绿",
            "黏黏",
            "发黏",
            "stinking",
            "stink",
            "cut his",
            "cut her",
            "cut my",
            "puffy",
            "擦破",
            "摔下来",
            "allergies",
            "alergic",
            "alergy",
            "diarrhoea",
            "cramps",
            "肚子痛",
            "胃痛",
            "带血",
            "烧黑",
            "焦糊",
            "烫出",
            "被烫",
            "有电流",
            "麻麻的",
            "hit his head",
            "hit her head",
            "hit my head",
            "head injury",
            "concussion",
            "磕到头",
            "撞到头",
            "砸到头",
            "electrocuted",
        ],
        description="more urgent (A) words that only the classifier uses (added to severity_a_keywords)",
    )
    severity_c_keywords: list[str] = Field(
        default=["建议", "suggest", "suggestion", "希望", "would be nice"],
        description="words that mark a suggestion (C); the classifier weighs them against signs of harm",
    )
    classifier_suggestion_keywords: list[str] = Field(
        default=[
            "it would be great",
            "just an idea",
            "提个建议",
            "能不能",
            "please add",
            "would love",
            "could you add",
            "可以加",
            "加个",
            "增加",
            "能否",
        ],
        description="more suggestion (C) words that only the classifier weighs (added to severity_c_keywords)",
    )
    group_threshold: PositiveInt = Field(
        5,
        description="legacy (cases classified in the workflow before the classifier activity): open "
        "complaints on one merchant or SKU that make a group",
    )
    group_window: timedelta = Field(
        timedelta(days=7), description="how far back complaints and orders count towards group impact"
    )
    group_min_orders: PositiveInt = Field(
        20, description="orders of a SKU or merchant in the window below which no complaint rate is taken"
    )
    group_min_complaints: PositiveInt = Field(
        3, description="complaints (this one included) a SKU or merchant needs in the window to be a group"
    )
    group_sku_rate: float = Field(
        0.05, gt=0, le=1, description="complaints per order on one SKU in the window that make group impact"
    )
    group_merchant_rate: float = Field(
        0.02, gt=0, le=1, description="complaints per order on one merchant in the window that make group impact"
    )
    min_confidence: float = Field(
        0.55,
        ge=0,
        le=1,
        description="below this probability of its type a suggestion is marked low-confidence "
        "and the agent classifies it (no type is presumed)",
    )
    urgent_probability: float = Field(
        0.20,
        ge=0,
        le=1,
        description="the classifier's probability of severity A at or above which a complaint is urgent "
        "(an urgent case gets a one-hour first-contact clock, so a false alarm costs support time). Chosen "
        "with the severity model's regularisation by 5-fold cross-validation on the corpus' train split "
        "(`complaints classifier tune`): the highest severity-A recall whose precision is at least 75 %, "
        "ties broken by higher precision; 0.20 gave recall 99.3 %, precision 80.8 %",
    )


class SeveritySla(_Strict):
    first_contact: timedelta = Field(description="from filing to the first staff action on the case")
    plan: timedelta = Field(description="time in classification: a plan (confirmed triage) is due")


class SlaPolicy(_Strict):
    by_severity: dict[Severity, SeveritySla] = Field(
        default={
            Severity.A: SeveritySla(plan=timedelta(minutes=30), first_contact=timedelta(hours=1)),
            Severity.B: SeveritySla(plan=timedelta(hours=24), first_contact=timedelta(hours=24)),
            Severity.C: SeveritySla(plan=timedelta(hours=48), first_contact=timedelta(hours=48)),
        },
        description="first-contact and plan clocks per severity (A urgent, B general, C suggestion)",
    )
    immediate_response: timedelta = Field(
        timedelta(hours=2),
        description="first contact and plan clock for the dispute class 'immediate' (lost parcel, wrong item)",
    )
    first_response: timedelta = Field(
        timedelta(hours=48),
        description="general first-response level; also the re-arm length of a clock with no other duration",
    )
    stage: dict[str, timedelta] = Field(
        default={
            "evidence": timedelta(days=3),
            "negotiation": timedelta(days=3),
            "execution": timedelta(days=5),
            "reopened": timedelta(days=2),
        },
        description="per-stage SLA for stages without a severity-based clock",
    )
    solution: timedelta = Field(timedelta(days=7), description="from filing to a solution (case clock)")
    dispute_limit: timedelta = Field(
        timedelta(days=30), description="from filing to the dispute being settled (case clock)"
    )
    warning_ratio: float = Field(
        0.8, gt=0, lt=1, description="share of a clock's time after which the assignee is warned"
    )
    business_hours: BusinessHours = Field(BusinessHours(), description="working hours the clocks count in")


class EvidencePolicy(_Strict):
    deadlines: dict[str, timedelta] = Field(
        default={"consumer": timedelta(hours=72), "merchant": timedelta(hours=48), "carrier": timedelta(hours=48)},
        description="time each party has to answer an evidence request",
    )
    consumer_reminder_grace: timedelta = Field(
        timedelta(hours=24), description="grace after the one reminder to the consumer; then the request lapses"
    )


class GiftPolicy(_Strict):
    mode: Literal["percent", "fixed"] = Field(
        "percent", description="tier-2 coupon as a percent of the order or a fixed voucher"
    )
    percent: float = Field(5.0, ge=0, le=100, description="coupon as a percent of the paid amount (mode percent)")
    fixed_minor: NonNegativeInt = Field(1000, description="voucher amount in minor units (mode fixed)")
    minimum_minor: NonNegativeInt = Field(500, description="smallest coupon in minor units")
    points: NonNegativeInt = Field(100, description="loyalty points credited with a tier-2 offer")


class NegotiationPolicy(_Strict):
    offer_response: timedelta = Field(
        timedelta(hours=48), description="time the consumer has to accept or decline an offer"
    )
    offer_reminder_grace: timedelta = Field(
        timedelta(hours=24), description="grace after the one offer reminder; then the offer lapses"
    )
    lapse_action: Literal["escalate_tier", "close"] = Field(
        "escalate_tier", description="what a lapsed offer does: the next tier is offered, or the case closes"
    )
    gift: GiftPolicy = Field(GiftPolicy(), description="the gift of a tier-2 offer (refund plus gift)")
    tier3_requires_supervisor: bool = Field(
        True, description="a tier-3 offer (platform advance) waits for a supervisor's approval"
    )
    supervisor_approval: timedelta = Field(
        timedelta(hours=24), description="time a supervisor has to approve a tier-3 offer"
    )
    food_safety_carrier_requires_supervisor: bool = Field(
        False,
        description=(
            "the severity-A food-safety fast path with a carrier fault waits for a supervisor's approval and the "
            "consumer's acceptance like any tier-3 offer; off: the platform pays at once and recovers from the carrier"
        ),
    )


class ExecutionPolicy(_Strict):
    merchant_refund: timedelta = Field(
        timedelta(hours=24), description="time the merchant has to complete a refund (deposit frozen meanwhile)"
    )
    reship: timedelta = Field(
        timedelta(days=3), description="time the merchant has to ship an exchange or reshipment with a tracking number"
    )
    retry_initial: timedelta = Field(timedelta(seconds=1), description="first retry delay of a payment or deposit call")
    retry_maximum: timedelta = Field(
        timedelta(minutes=1), description="longest retry delay of a payment or deposit call"
    )
    retry_attempts: PositiveInt = Field(8, description="attempts before a payment or deposit call counts as failed")


class PenaltyPolicy(_Strict):
    deposit_deduction_percent: float = Field(10.0, ge=0, le=100, description="of the order's paid amount")
    deposit_deduction_minimum_minor: NonNegativeInt = Field(
        10000, description="smallest deposit deduction in minor units"
    )
    listing_block: timedelta = Field(
        timedelta(days=30), description="how long a penalised merchant cannot publish new listings"
    )
    repeat_offender_threshold: PositiveInt = Field(3, description="penalties in the window that make a repeat offender")
    repeat_offender_window: timedelta = Field(
        timedelta(days=180), description="how far back penalties count towards repeat offending"
    )
    repeat_deposit_multiplier: PositiveInt = Field(
        2, description="a repeat offender's deposit requirement is multiplied by this"
    )
    by_type: dict[ComplaintType, Literal["any_tier", "tier3", "never"]] = Field(
        default={
            ComplaintType.COUNTERFEIT: "any_tier",
            ComplaintType.FOOD_SAFETY: "any_tier",
            ComplaintType.NOT_AS_DESCRIBED: "any_tier",
            ComplaintType.QUALITY_DEFECT: "tier3",
            ComplaintType.AFTER_SALES: "tier3",
            ComplaintType.LOGISTICS: "never",
            ComplaintType.PLATFORM_SERVICE: "never",
        },
        description="when a merchant held liable is penalised, by complaint type: at any tier of the settlement, "
        "only with a tier-3 outcome (platform advance), or never; a type left out is 'tier3'",
    )
    rectification_interview: timedelta = Field(
        timedelta(days=7), description="deadline of the supervisor's rectification interview with a repeat offender"
    )


class ReviewPolicy(_Strict):
    survey_delay: timedelta = Field(timedelta(hours=48), description="from completion to the satisfaction survey")
    survey_window: timedelta = Field(timedelta(days=7), description="time the consumer has to answer the survey")
    satisfaction_threshold: int = Field(
        80, ge=0, le=100, description="a survey score below this re-opens the case for review"
    )
    max_reopen: NonNegativeInt = Field(2, description="reopen rounds before a case closes regardless")


class EscalationPolicy(_Strict):
    supervisor_queue: str = Field("supervisors", description="the queue escalated cases are assigned to")
    max_level: PositiveInt = Field(3, description="highest escalation level; a clock at this level stops re-arming")
    due_together_within: timedelta = Field(
        timedelta(minutes=5),
        description=(
            "clocks falling due within this span of the first breach make one escalation with it (clocks started "
            "moments apart, as first contact at filing and the plan at classification, share one deadline)"
        ),
    )


class LimitsPolicy(_Strict):
    """How often a step may repeat in one case. Each repeat adds to the case's Temporal history, so these
    bound its longest legal life far below Temporal's limits (see docs/RELIABILITY.md, history budget)."""

    joined_filings: PositiveInt = Field(20, description="duplicate filings joined to one case")
    evidence_per_party: PositiveInt = Field(20, description="evidence items one party may submit per case")
    evidence_requests_per_party: PositiveInt = Field(5, description="evidence requests to one party per case")
    clock_pauses: PositiveInt = Field(200, description="manual pauses of the SLA clock per case")
    assignments: PositiveInt = Field(100, description="assignments and claims per case")


class Policy(_Strict):
    version: str = Field("default", description="name of this policy; each case records the version it started under")
    currency: str = Field("CNY", description="currency of every amount in minor units")
    intake: IntakePolicy = Field(IntakePolicy(), description="intake: completing the filing and the after-sales window")
    classification: ClassificationPolicy = Field(
        ClassificationPolicy(), description="classification and triage: keywords, confidence, group impact"
    )
    sla: SlaPolicy = Field(SlaPolicy(), description="service-level clocks and escalation deadlines")
    evidence: EvidencePolicy = Field(EvidencePolicy(), description="evidence requests and their deadlines")
    negotiation: NegotiationPolicy = Field(NegotiationPolicy(), description="the tiered negotiation ladder")
    execution: ExecutionPolicy = Field(ExecutionPolicy(), description="refunds, reshipments and payment retries")
    penalties: PenaltyPolicy = Field(PenaltyPolicy(), description="merchant penalties")
    review: ReviewPolicy = Field(
        ReviewPolicy(), description="closed-loop review: the satisfaction survey and re-opening"
    )
    escalation: EscalationPolicy = Field(EscalationPolicy(), description="escalation of breached clocks")
    limits: LimitsPolicy = Field(
        LimitsPolicy(), description="how often a step may repeat in one case (bounds the history)"
    )
    insights: InsightsPolicy = Field(
        InsightsPolicy(), description="insights: early warning, merchant standing and the fast lane"
    )
