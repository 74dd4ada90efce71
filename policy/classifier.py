"""The complaint classifier: type, dispute class and severity from the text, with its reasons.

A linear model over jieba words and character n-grams (trained on corpus/, shipped as
policy/classifier_model.json) weighs the text; the policy's keywords are features of that model, so
an operator who adds a keyword moves the decision the way the keyword's type already moves it.
Rules the domain fixes are applied after the model and named in `rules_fired`:
- a denied keyword ("没有变质", "not broken") counts as its own, different feature, never as the problem;
- an urgent keyword, a probability of A above `urgent_probability`, or a probability of food safety /
  health above HEALTH_PROBABILITY makes the complaint A;
- a suggestion (severity C) is never typed as a merchant's fault;
- a text the model is unsure of is marked `needs_agent`: the agent chooses, nothing is presumed.

Runs in the classify activity (activities/classify.py), whose result history records: replay never
re-runs it, so retraining the model never changes a recorded case.
"""

import math

from models.case import ClassificationResult, OrderFacts
from models.enums import ComplaintType, DisputeClass, Severity
from models.policy import ClassificationPolicy
from policy import group_impact, keyword_match, linear_model
from policy.classification import (
    HEALTH_CATEGORIES,
    LOGISTICS_TRACKING_TROUBLE,
    TYPE_LABELS,
    dispute_class_of,
)
from policy.text_features import features

# Types whose liability presumption points at the merchant (policy/liability.py).
MERCHANT_FAULT_TYPES = frozenset(
    {
        ComplaintType.QUALITY_DEFECT,
        ComplaintType.COUNTERFEIT,
        ComplaintType.NOT_AS_DESCRIBED,
        ComplaintType.FOOD_SAFETY,
        ComplaintType.AFTER_SALES,
    }
)
KEYWORD_WEIGHT = 1.5  # chosen by cross-validation on the train split (complaints classifier tune)
# A text the type model does not know spreads its probability near evenly (1/7 per type), so food
# safety / health as a runner-up makes a complaint urgent only well above that chance share; in
# cross-validation no urgent text needed a lower value.
HEALTH_PROBABILITY = 0.3
URGENT_FLAG = "kw:severity_A"  # the type model's feature for an affirmed urgent keyword (not the severity model's)
_RAISED = {Severity.C: Severity.B, Severity.B: Severity.A, Severity.A: Severity.A}


def feature_set(description: str, policy: ClassificationPolicy) -> tuple[dict[str, float], keyword_match.Hits]:
    """The model's input: text features plus one feature per type whose policy keywords the text affirms."""
    text_feats = features(description)
    # Text features share one unit of weight (long texts do not shout louder than short ones);
    # each keyword feature weighs KEYWORD_WEIGHT: the operator's words count more than any one n-gram.
    scale = 1.0 / math.sqrt(len(text_feats)) if text_feats else 0.0
    feats = {name: round(value * scale, 6) for name, value in text_feats.items()}
    hits = keyword_match.find(description, policy)
    for ctype, words in hits.affirmed.items():
        feats[f"kw:{ctype.value}"] = KEYWORD_WEIGHT
        feats[f"kwn:{ctype.value}"] = KEYWORD_WEIGHT * math.log1p(len(words))
    for ctype in hits.denied:
        feats[f"kw¬:{ctype.value}"] = KEYWORD_WEIGHT
    if hits.urgent:
        feats[URGENT_FLAG] = KEYWORD_WEIGHT
    if hits.suggestion:
        feats["kw:severity_C"] = KEYWORD_WEIGHT
    return feats, hits


def severity_features(feats: dict[str, float]) -> dict[str, float]:
    """The severity model's input: every feature but the urgent-keyword flag.

    An urgent keyword makes a complaint A by rule before the model is asked (`_severity`), so the
    flag only taught the model to lean on it: texts with one were A regardless, and the model learnt
    little from their words. Without it the model weighs the words that describe a harm, which is
    what it needs for the urgent texts no keyword names. The type model keeps every feature.
    """
    return {name: value for name, value in feats.items() if name != URGENT_FLAG}


def suggest(
    *,
    description: str,
    order: OrderFacts,
    volumes: group_impact.GroupVolumes | None,
    policy: ClassificationPolicy,
    artifact: linear_model.Artifact | None = None,
) -> ClassificationResult:
    model = artifact or linear_model.shipped()
    feats, hits = feature_set(description, policy)
    rules = hits.explain()

    type_probs = model.type_model.probabilities(feats)
    ranked = sorted(type_probs, key=lambda label: (-type_probs[label], label))
    ctype, confidence = ComplaintType(ranked[0]), type_probs[ranked[0]]
    rules.append(
        f"model: {_named(ctype)} with p={confidence:.2f}"
        + _because(model.type_model, feats, ranked[0], ranked[1] if len(ranked) > 1 else None, hits)
    )

    severity, severity_rules = _severity(feats, hits, ctype, type_probs, order, model, policy)
    rules += severity_rules

    if severity == Severity.C and ctype in MERCHANT_FAULT_TYPES:
        alternative = next(ComplaintType(label) for label in ranked if ComplaintType(label) not in MERCHANT_FAULT_TYPES)
        rules.append(f"a suggestion is not a merchant's fault: {ctype.value} → {_named(alternative)}")
        ctype, confidence = alternative, type_probs[alternative.value]

    if not any(name in model.type_model.weights for name in feats):
        # Nothing in the text is known to the model: its "probability" would be the prior alone.
        rules.append("no word of the text is known to the classifier")
        confidence = 0.0
    needs_agent = confidence < policy.min_confidence
    if needs_agent and order.tracking_status in LOGISTICS_TRACKING_TROUBLE and ctype != ComplaintType.LOGISTICS:
        rules.append(f"unclear text and tracking status '{order.tracking_status}' → logistics")
        ctype = ComplaintType.LOGISTICS
    if needs_agent:
        rules.append(
            f"low confidence ({confidence:.2f} < {policy.min_confidence:.2f}): the agent chooses the "
            f"type; {_named(ctype)} is only the best guess"
        )

    dispute_class, class_rule = _dispute_class(ctype, severity, order)
    rules.append(class_rule)

    group = False
    if volumes is not None:
        group, group_rules = group_impact.assess(volumes, policy)
        rules += group_rules
        if group:
            raised = _RAISED[severity]
            rules.append(
                "group impact → severity "
                + (
                    f"raised {severity.value} → {raised.value}"
                    if raised != severity
                    else "stays A (already the highest)"
                )
            )
            severity = raised
    return ClassificationResult(
        type=ctype,
        dispute_class=dispute_class,
        severity=severity,
        rules_fired=rules,
        group_impact=group,
        confirmed=False,
        confidence=round(confidence, 4),
        needs_agent=needs_agent,
    )


def _severity(
    feats: dict[str, float],
    hits: keyword_match.Hits,
    ctype: ComplaintType,
    type_probs: dict[str, float],
    order: OrderFacts,
    model: linear_model.Artifact,
    policy: ClassificationPolicy,
) -> tuple[Severity, list[str]]:
    feats = severity_features(feats)
    probs = model.severity_model.probabilities(feats)
    p_urgent = probs.get(Severity.A.value, 0.0)
    if hits.urgent:
        return Severity.A, [f"urgent keyword '{hits.urgent[0]}' → A (urgent)"]
    p_health = type_probs.get(ComplaintType.FOOD_SAFETY.value, 0.0)
    if ctype == ComplaintType.FOOD_SAFETY and p_health >= HEALTH_PROBABILITY:
        where = f" on a {order.category.value} order" if order.category in HEALTH_CATEGORIES else ""
        return Severity.A, [f"food safety / health{where} → A (urgent)"]
    if p_health >= HEALTH_PROBABILITY:
        return Severity.A, [
            (
                f"model: p(food safety / health)={p_health:.2f} ≥ {HEALTH_PROBABILITY:.2f} "
                "→ A (urgent: a possible harm to health is never left waiting)"
            )
        ]
    if p_urgent >= policy.urgent_probability:
        return Severity.A, [
            f"model: p(A)={p_urgent:.2f} ≥ {policy.urgent_probability:.2f} → A (urgent)"
            + _because(model.severity_model, feats, Severity.A.value, Severity.B.value, hits)
        ]
    if probs.get(Severity.C.value, 0.0) > probs.get(Severity.B.value, 0.0):
        return Severity.C, [
            f"model: a suggestion, p(C)={probs[Severity.C.value]:.2f} → C"
            + _because(model.severity_model, feats, Severity.C.value, Severity.B.value, hits)
        ]
    return Severity.B, [f"model: p(A)={p_urgent:.2f} < {policy.urgent_probability:.2f}, not a suggestion → B"]


def _dispute_class(ctype: ComplaintType, severity: Severity, order: OrderFacts) -> tuple[DisputeClass, str]:
    if severity == Severity.C:
        return DisputeClass.SERVICE, "a suggestion → service class: study it, trace the service step"
    return dispute_class_of(ctype, order)


def _named(ctype: ComplaintType) -> str:
    return f"{ctype.value} ({TYPE_LABELS[ctype]})"


def _because(
    model: linear_model.LinearModel,
    feats: dict[str, float],
    winner: str,
    runner_up: str | None,
    hits: keyword_match.Hits,
) -> str:
    deciding = model.deciding_features(feats, winner, runner_up, limit=4)
    named = list(dict.fromkeys(describe_feature(name, hits) for name, _ in deciding))
    if not named:
        return ""
    against = f" over {runner_up}" if runner_up else ""
    return f"; decided{against} by " + ", ".join(named)


def describe_feature(name: str, hits: keyword_match.Hits | None = None) -> str:
    """A feature in words an agent can check against the text."""
    kind, _, value = name.partition(":")
    denied = value.startswith("¬")
    value = value.lstrip("¬")
    prefix = "denied " if denied else ""
    if kind == "w":
        return f"{prefix}word '{value}'"
    if kind == "c":
        return f"{prefix}letters '{value.strip('<>')}'"
    if kind.startswith("kw"):
        return _keyword_feature(kind, value, hits or keyword_match.Hits())
    return name


def _keyword_feature(kind: str, value: str, hits: keyword_match.Hits) -> str:
    if value == "severity_A":
        return "urgent keywords " + ", ".join(f"'{w}'" for w in hits.urgent)
    if value == "severity_C":
        return "suggestion keywords " + ", ".join(f"'{w}'" for w in hits.suggestion)
    ctype = ComplaintType(value)
    if kind == "kw¬":
        return f"denied {value} keywords " + ", ".join(f"'{w}'" for w in hits.denied.get(ctype, []))
    return f"{value} keywords " + ", ".join(f"'{w}'" for w in hits.affirmed.get(ctype, []))
