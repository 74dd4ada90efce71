"""The classifier (policy/classifier.py): held-out figures, negation, suggestions, low confidence, keywords."""

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from temporalio.testing import ActivityEnvironment

from activities.classify import ClassifyActivities
from models.classify_io import ClassifyRequest
from models.enums import Category, ComplaintType, DisputeClass, Severity
from models.policy import ClassificationPolicy
from policy import classifier, classifier_eval, classifier_report, corpus, linear_model
from policy.classifier import MERCHANT_FAULT_TYPES
from policy.group_impact import GroupVolumes
from tests.policy.builders import order_facts

POLICY = ClassificationPolicy()
DOC = Path(__file__).resolve().parents[2] / "docs" / "CLASSIFIER.md"


def suggest(text: str, policy: ClassificationPolicy = POLICY, volumes: GroupVolumes | None = None, **order):
    return classifier.suggest(description=text, order=order_facts(**order), volumes=volumes, policy=policy)


@pytest.fixture(scope="module")
def held_out() -> classifier_eval.Report:
    return classifier_eval.evaluate(corpus.part("test"), classifier_eval.model_classifier())


def test_the_corpus_is_large_varied_and_split_by_text():
    items = corpus.load()
    assert len(items) >= 400
    test = [item for item in items if item.split == "test"]
    # The hash puts 30 % of the texts in the test split; second-, third- and fourth-round texts were kept only when
    # they fell in the train split (corpus/README.md), which lowers the share.
    assert len(test) >= 150 and 0.05 < len(test) / len(items) < 0.4
    assert {item.type for item in test} == set(ComplaintType)
    assert {item.severity for item in test} == set(Severity)
    assert corpus.split_of("  同一句话 ") == corpus.split_of("同一句话")


def test_training_never_reads_a_blind_split_and_a_blind_text_may_not_repeat_a_corpus_text(tmp_path):
    blind = corpus.blind_splits()
    assert blind and all(len(items) >= 300 for items in blind.values())
    trained_on = {item.text for item in corpus.load()}
    assert not any(item.text in trained_on for items in blind.values() for item in items)
    assert not any(item.source.startswith("holdout") for item in corpus.load())  # load() never opens corpus/fresh
    main = tmp_path / "corpus"
    (main / "fresh").mkdir(parents=True)
    (main / "logistics.txt").write_text("B immediate 快递丢了 一周没动静\n", encoding="utf-8")
    (main / "fresh" / "holdout_9.txt").write_text(
        "# type: logistics\nB immediate  快递丢了 一周没动静 \n", encoding="utf-8"
    )
    with pytest.raises(ValueError, match="duplicate"):
        corpus.blind_splits(main / "fresh", main)


def test_no_suggestion_on_the_held_out_split_is_typed_a_merchant_fault(held_out):
    assert held_out.suggestions_as_merchant_fault == []


def test_held_out_figures_beat_the_keyword_rules_and_stay_above_their_floor(held_out):
    rules = classifier_eval.evaluate(corpus.part("test"), classifier_eval.rules_classifier())
    assert held_out.type_accuracy >= rules.type_accuracy + 0.1
    assert held_out.severity_a_recall >= rules.severity_a_recall + 0.2
    # Regression floors a little below today's figures (docs/CLASSIFIER.md: severity-A recall 97.7 %,
    # below the issue's target; precision 76 %, urgent_probability chosen for a CV precision >= 75 %).
    assert held_out.severity_a_recall >= 0.97
    assert held_out.precision_recall(Severity.A.value, severity=True)[0] >= 0.70


def test_held_out_type_accuracy_meets_the_target(held_out):
    assert held_out.type_accuracy >= 0.90


def test_held_out_severity_a_recall_meets_the_target(held_out):
    assert held_out.severity_a_recall >= 0.98


@pytest.fixture(scope="module")
def blind() -> dict[str, classifier_eval.Report]:
    return {
        name: classifier_eval.evaluate(items, classifier_eval.model_classifier())
        for name, items in corpus.blind_splits().items()
    }


def test_blind_split_figures_stay_above_their_floor(blind):
    # Regression floors a little below the figures of 2026-12-06 (docs/CLASSIFIER.md: holdout_2 85.3 % and
    # 92.5 %, holdout_3 84.4 % and 94.0 %), far above the keyword rules' 25 % and 10 %.
    for name, report in blind.items():
        assert report.type_accuracy >= 0.82, name
        assert report.severity_a_recall >= 0.90, name
        assert len(report.suggestions_as_merchant_fault) <= 3, name


@pytest.mark.xfail(strict=True, reason="the blind splits miss the issue's targets: see docs/CLASSIFIER.md")
def test_blind_splits_meet_the_targets(blind):
    for report in blind.values():
        assert report.type_accuracy >= 0.90
        assert report.severity_a_recall >= 0.98
        assert report.suggestions_as_merchant_fault == []


def test_docs_show_the_current_figures():
    assert DOC.read_text(encoding="utf-8") == classifier_report.render(), (
        "docs/CLASSIFIER.md is stale: run `complaints classifier evaluate`"
    )


def test_training_is_deterministic_and_reproduces_the_shipped_weights(tmp_path):
    pytest.importorskip("sklearn")
    from policy import classifier_train

    path = tmp_path / "model.json"
    linear_model.write_artifact(path, classifier_train.train())
    assert path.read_bytes() == linear_model.ARTIFACT.read_bytes()


def test_training_refuses_the_test_split():
    pytest.importorskip("sklearn")
    from policy import classifier_train

    with pytest.raises(ValueError, match="train split only"):
        classifier_train.train(corpus.part("test")[:5])


def test_urgency_tuning_reports_recall_that_grows_as_the_threshold_falls():
    pytest.importorskip("sklearn")
    from policy import classifier_train

    train = corpus.part("train")
    sample = [item for ctype in ComplaintType for item in [i for i in train if i.type == ctype][:10]]
    figures = classifier_train.tune_urgency(sample, severity_grid=(16.0, 256.0))
    assert list(figures) == [16.0, 256.0]
    for by_threshold in figures.values():
        assert list(by_threshold) == list(classifier_train.URGENT_GRID)
        recalls = [by_threshold[threshold]["recall"] for threshold in sorted(by_threshold, reverse=True)]
        assert recalls == sorted(recalls) and all(0.0 <= r <= 1.0 for r in recalls)
    with pytest.raises(ValueError, match="train split only"):
        classifier_train.tune_urgency(corpus.part("test")[:5])


def test_the_urgency_rule_takes_the_best_recall_above_the_precision_floor_then_the_best_precision():
    from policy import classifier_train

    figures = {
        16.0: {0.07: {"recall": 1.0, "precision": 0.66}, 0.10: {"recall": 0.995, "precision": 0.76}},
        256.0: {0.10: {"recall": 0.993, "precision": 0.77}, 0.20: {"recall": 0.995, "precision": 0.81}},
    }
    # 100 % recall is below the 75 % precision floor; of the two at 99.5 %, the higher precision wins.
    assert classifier_train.urgency_choices(figures) == [(256.0, 0.20), (16.0, 0.10), (256.0, 0.10)]
    assert classifier_train.urgency_choices(figures, floor=0.9) == []


def test_the_shipped_severity_setting_is_the_one_the_rule_chose():
    from core.settings import DEFAULT_POLICY_FILE
    from policy import classifier_train
    from policy.loader import load_policy

    assert linear_model.shipped().meta["severity_c"] == classifier_train.SEVERITY_C
    assert POLICY.urgent_probability == 0.12
    assert load_policy(DEFAULT_POLICY_FILE).classification.urgent_probability == POLICY.urgent_probability


@pytest.mark.parametrize(
    "text",
    [
        "屏幕破损 the screen cracked after two days of use",
        "衣服尺码偏小，穿不上，想换大一号",
        "快递比预计晚到了三天，也没人通知",
        "the headphones stopped charging after a week",
        "颜色和图片上差别很大，有点失望",
        "商家发错了型号，我买的是黑色的，收到的是白色",
        "the zipper on the backpack broke the first time I used it",
        "退款申请提交五天了还没到账",
    ],
)
def test_a_plain_complaint_is_general_not_urgent(text):
    # A false alarm gives the case a one-hour first-contact clock (policy sla.by_severity.A).
    assert suggest(text).severity == Severity.B


@pytest.mark.parametrize(
    ("text", "not_type"),
    [
        ("没有变质，就是瓶子在路上摔裂了，漏了一箱子", ComplaintType.FOOD_SAFETY),
        ("it's not broken, it is just a totally different colour from the photos", ComplaintType.QUALITY_DEFECT),
        ("不是假货，是正品，就是用了两天就开不了机", ComplaintType.COUNTERFEIT),
    ],
)
def test_a_denied_problem_is_not_the_problem(text, not_type):
    result = suggest(text)
    assert result.type != not_type
    assert any("denied" in rule for rule in result.rules_fired)


def test_a_denied_urgent_word_does_not_make_the_complaint_urgent():
    result = suggest("没有过敏，也没有变质，就是颜色跟图片差太多", category=Category.COSMETICS)
    assert result.severity == Severity.B
    assert "urgent keyword '过敏' denied in the text (not counted)" in result.rules_fired


@pytest.mark.parametrize(
    "text",
    [
        "建议增加晚上的配送时段，白天家里没人",
        "It would be nice to pick a delivery time slot",
        "东西挺好的，希望店家以后多出几个颜色",
        "suggestion: the product page could show unit prices",
    ],
)
def test_a_suggestion_is_c_and_never_a_merchant_fault(text):
    result = suggest(text)
    assert result.severity == Severity.C
    assert result.type not in MERCHANT_FAULT_TYPES
    assert result.dispute_class == DisputeClass.SERVICE


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("快递盒子都被压扁了，拆开电饭煲外壳碎了", ComplaintType.LOGISTICS),
        ("申请退货一个星期了，商家一直不处理，也不回消息", ComplaintType.AFTER_SALES),
        ("用了这个面霜脸上起了一片红疹子，又痒又疼", ComplaintType.FOOD_SAFETY),
    ],
)
def test_the_three_complaints_of_the_issue(text, expected):
    result = suggest(text)
    assert result.type == expected
    assert result.needs_agent is False
    assert result.rules_fired[0]


def test_an_allergy_to_a_cosmetic_is_urgent_and_reads_food_safety_health():
    result = suggest("用了这个精华液以后脸肿了，过敏", category=Category.COSMETICS)
    assert (result.type, result.severity) == (ComplaintType.FOOD_SAFETY, Severity.A)
    assert any("food safety / health" in rule for rule in result.rules_fired)


@pytest.mark.parametrize("text", ["", "   ", "\x00\x01", "zzzz qqqq", "我想问一下"])
def test_an_unclear_text_goes_to_the_agent(text):
    result = suggest(text)
    assert result.needs_agent
    assert result.confidence is not None and result.confidence < POLICY.min_confidence
    assert any("the agent chooses the type" in rule for rule in result.rules_fired)


def test_rules_fired_name_the_deciding_words():
    result = suggest("the box arrived crushed and the lamp inside is shattered")
    assert result.type == ComplaintType.LOGISTICS
    model_rule = next(rule for rule in result.rules_fired if rule.startswith("model: logistics"))
    assert "decided over" in model_rule and "'crushed'" in model_rule


def test_an_operator_keyword_moves_the_decision_without_retraining():
    text = "zqxv zqxv"
    assert suggest(text).needs_agent
    custom = POLICY.model_copy(update={"keywords": {**POLICY.keywords, ComplaintType.LOGISTICS: ["zqxv"]}})
    result = suggest(text, custom)
    assert result.type == ComplaintType.LOGISTICS
    assert "keyword 'zqxv' → logistics" in result.rules_fired


def test_group_impact_raises_severity_and_explains_the_rate():
    volumes = GroupVolumes(complaints_on_sku=4, orders_on_sku=40, complaints_on_merchant=4, orders_on_merchant=5000)
    result = suggest("屏幕有坏点", volumes=volumes)
    assert result.group_impact and result.severity == Severity.A
    assert any("5 complaints / 40 orders" in rule and "12.5%" in rule for rule in result.rules_fired)


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=300) | st.text(alphabet="假货没有变质不是破损 notbrken,，。!\x00\u202e🙂", max_size=300))
def test_any_text_gets_a_valid_deterministic_answer(text):
    first, second = suggest(text), suggest(text)
    assert first == second
    assert 0.0 <= (first.confidence or 0.0) <= 1.0


def test_the_longest_text_is_classified():
    assert suggest("快递丢件了。" * 700).type == ComplaintType.LOGISTICS


def test_the_activity_returns_the_classifiers_answer():
    request = ClassifyRequest(
        complaint_id="c-1", description="包裹丢了，物流三天没更新", order=order_facts(), policy=POLICY
    )
    result = ActivityEnvironment().run(ClassifyActivities(None).classify_complaint, request)
    assert result == suggest("包裹丢了，物流三天没更新")
    assert result.type == ComplaintType.LOGISTICS
