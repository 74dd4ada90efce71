import pytest

from models.enums import Category, ComplaintType, DisputeClass, Severity
from models.policy import ClassificationPolicy
from policy.classification import classify, detect_type, keyword_hits
from tests.policy.builders import order_facts

# The keyword rules (v1) as they shipped: cases recorded under them must replay with them, so these
# tests pin that behaviour with the keyword lists of the time, not today's longer defaults.
POLICY = ClassificationPolicy(
    keywords={
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
    severity_a_keywords=[
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
    severity_c_keywords=["建议", "suggest", "suggestion", "希望", "would be nice"],
)


@pytest.mark.parametrize(
    ("description", "expected"),
    [
        ("面包变质了", ComplaintType.FOOD_SAFETY),
        ("The milk was SPOILED on arrival", ComplaintType.FOOD_SAFETY),
        ("孩子吃了之后过敏", ComplaintType.FOOD_SAFETY),
        ("这是假货", ComplaintType.COUNTERFEIT),
        ("Looks like a Fake", ComplaintType.COUNTERFEIT),
        ("屏幕破损", ComplaintType.QUALITY_DEFECT),
        ("screen cracked after a day", ComplaintType.QUALITY_DEFECT),
        ("快递丢件了", ComplaintType.LOGISTICS),
        ("Parcel not received", ComplaintType.LOGISTICS),
        ("有色差", ComplaintType.NOT_AS_DESCRIBED),
        ("Colour difference from the photos", ComplaintType.NOT_AS_DESCRIBED),
        ("商家拒绝售后", ComplaintType.AFTER_SALES),
        ("merchant keeps stalling", ComplaintType.AFTER_SALES),
        ("支付失败", ComplaintType.PLATFORM_SERVICE),
        ("I was charged twice", ComplaintType.PLATFORM_SERVICE),
        ("收到了fake货", ComplaintType.COUNTERFEIT),  # Latin keyword inside Chinese text
        ("two fakes in one box", ComplaintType.COUNTERFEIT),  # a suffix after the keyword is fine
    ],
)
def test_detect_type_matches_chinese_and_english_keywords(description, expected):
    ctype, rules = detect_type(description, POLICY)
    assert ctype == expected
    assert rules and rules[0].endswith(f"→ {expected.value}")


@pytest.mark.parametrize("description", ["", "   ", "the chocolate melted", "I escalated this twice", "hello"])
def test_detect_type_finds_nothing_without_a_keyword_at_a_word_start(description):
    assert detect_type(description, POLICY) == (None, [])


def test_detect_type_rule_text_names_the_keyword():
    assert detect_type("面包变质了", POLICY) == (ComplaintType.FOOD_SAFETY, ["keyword '变质' → food_safety"])


def test_ties_go_to_precedence_and_the_losers_are_explained():
    ctype, rules = detect_type("fake and broken", POLICY)
    assert ctype == ComplaintType.COUNTERFEIT
    assert rules == [
        "keyword 'fake' → counterfeit",
        "keyword 'broken' also suggests quality_defect, but counterfeit takes precedence",
    ]


def test_precedence_is_the_policys_not_the_codes():
    flipped = ClassificationPolicy(precedence=[ComplaintType.QUALITY_DEFECT, ComplaintType.COUNTERFEIT])
    assert detect_type("fake and broken", flipped)[0] == ComplaintType.QUALITY_DEFECT


def test_types_missing_from_precedence_still_match_after_the_listed_ones():
    partial = ClassificationPolicy(precedence=[ComplaintType.COUNTERFEIT])
    assert detect_type("screen cracked", partial)[0] == ComplaintType.QUALITY_DEFECT
    assert detect_type("fake and cracked", partial)[0] == ComplaintType.COUNTERFEIT


def test_keywords_come_from_the_policy():
    custom = ClassificationPolicy(keywords={ComplaintType.LOGISTICS: ["包裹没到"]})
    assert detect_type("包裹没到", custom)[0] == ComplaintType.LOGISTICS
    assert detect_type("fake", custom) == (None, [])


def test_keyword_hits_ignores_blank_keywords():
    assert keyword_hits("anything", ["", "  ", "any"]) == ["any"]


def run(description, *, merchant=0, sku=0, policy=POLICY, **order):
    return classify(
        description=description, order=order_facts(**order), open_on_merchant=merchant, open_on_sku=sku, policy=policy
    )


@pytest.mark.parametrize(
    ("description", "tracking", "ctype", "dispute_class"),
    [
        ("fake", "delivered", ComplaintType.COUNTERFEIT, DisputeClass.QUALITY),
        ("色差", "delivered", ComplaintType.NOT_AS_DESCRIBED, DisputeClass.QUALITY),
        ("screen broken", "delivered", ComplaintType.QUALITY_DEFECT, DisputeClass.QUALITY),
        ("发霉", "delivered", ComplaintType.FOOD_SAFETY, DisputeClass.QUALITY),
        ("wrong item sent", "delivered", ComplaintType.LOGISTICS, DisputeClass.IMMEDIATE),
        ("arrived late", "delivered", ComplaintType.LOGISTICS, DisputeClass.IMMEDIATE),
        ("no reply from the shop", "delivered", ComplaintType.AFTER_SALES, DisputeClass.SERVICE),
        ("cannot cancel", "pending", ComplaintType.PLATFORM_SERVICE, DisputeClass.SERVICE),
        ("where is it?", "lost", ComplaintType.LOGISTICS, DisputeClass.IMMEDIATE),
        ("where is it?", "overdue", ComplaintType.LOGISTICS, DisputeClass.IMMEDIATE),
        ("where is it?", "abnormal", ComplaintType.LOGISTICS, DisputeClass.IMMEDIATE),
        ("where is it?", "in_transit", ComplaintType.QUALITY_DEFECT, DisputeClass.QUALITY),
        ("unhappy", None, ComplaintType.QUALITY_DEFECT, DisputeClass.QUALITY),
    ],
)
def test_type_and_dispute_class(description, tracking, ctype, dispute_class):
    result = run(description, tracking_status=tracking)
    assert (result.type, result.dispute_class) == (ctype, dispute_class)
    assert result.confirmed is False


def test_lost_tracking_is_named_in_the_class_rule():
    result = run("where is it?", tracking_status="lost")
    assert "no keyword matched; tracking status 'lost' → logistics" in result.rules_fired
    assert any(rule.startswith("tracking shows the parcel lost → immediate") for rule in result.rules_fired)


@pytest.mark.parametrize(
    ("description", "category", "severity"),
    [
        ("孩子过敏了", Category.ELECTRONICS, Severity.A),  # severity-A keyword on any category
        ("battery burn on my hand", Category.ELECTRONICS, Severity.A),
        ("发霉", Category.FRESH, Severity.A),  # food safety on a health category
        ("mould on the lid", Category.FOOD, Severity.A),
        ("foreign object in the cream", Category.COSMETICS, Severity.A),
        ("mould on the lid", Category.HOME, Severity.B),  # food safety, but not a health category
        ("建议改进包装", Category.HOME, Severity.C),
        ("would be nice to have a manual; screen cracked", Category.ELECTRONICS, Severity.C),
        ("建议 but also a safety risk", Category.ELECTRONICS, Severity.A),  # A beats C
        ("screen cracked", Category.ELECTRONICS, Severity.B),
    ],
)
def test_severity_rules(description, category, severity):
    assert run(description, category=category).severity == severity


@pytest.mark.parametrize(("merchant", "sku", "group"), [(4, 4, False), (5, 0, True), (0, 5, True), (9, 9, True)])
def test_group_threshold_edge(merchant, sku, group):
    result = run("screen cracked", merchant=merchant, sku=sku)
    assert result.group_impact is group
    assert result.severity == (Severity.A if group else Severity.B)


@pytest.mark.parametrize(
    ("description", "before", "after"),
    [
        ("建议改进包装", Severity.C, Severity.B),
        ("screen cracked", Severity.B, Severity.A),
        ("spoiled", Severity.A, Severity.A),
    ],
)
def test_group_impact_raises_severity_one_level(description, before, after):
    assert run(description).severity == before
    assert run(description, merchant=5).severity == after


def test_group_threshold_comes_from_the_policy():
    assert run("screen cracked", merchant=2, policy=ClassificationPolicy(group_threshold=2)).group_impact is True


def test_rules_fired_explain_every_decision_in_plain_words():
    result = run("屏幕破损", merchant=5, sku=1)
    assert result.rules_fired == [
        "keyword '破损' → quality_defect",
        "quality_defect → quality class: judge against warranty rules and platform QC standards",
        "no urgency or suggestion rule matched → B (general)",
        "5 open complaints on the merchant, 1 on the SKU (group threshold 5) → group impact, severity raised B → A",
    ]
    food = run("面包变质了", category=Category.FRESH)
    assert "severity keyword '变质' → A (urgent)" in food.rules_fired
