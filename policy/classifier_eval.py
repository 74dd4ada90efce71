"""Measuring the classifier on the held-out test split, and the keyword rules beside it.

`complaints classifier evaluate` writes the figures into docs/CLASSIFIER.md; the tests assert
the targets (type accuracy ≥ 90 %, severity-A recall ≥ 98 %, no suggestion typed as a merchant fault).
"""

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from models.case import ClassificationResult, OrderFacts
from models.enums import Category, ComplaintType, Severity
from models.policy import ClassificationPolicy
from policy import classification, classifier, corpus

Classify = Callable[[str], ClassificationResult]
TYPES = [ctype.value for ctype in ComplaintType]
SEVERITIES = [severity.value for severity in Severity]


def neutral_order(category: Category = Category.OTHER) -> OrderFacts:
    """An order that tells the classifier nothing: the figures measure the text alone."""
    return OrderFacts(
        order_id="o-eval",
        order_line_id="l-eval",
        consumer_id="c-eval",
        merchant_id="m-eval",
        sku="sku-eval",
        category=category,
        paid_minor=10000,
        placed_at=datetime(2026, 1, 1, tzinfo=UTC),
        tracking_status="delivered",
    )


def model_classifier(policy: ClassificationPolicy | None = None) -> Classify:
    chosen = policy or ClassificationPolicy()
    return lambda text: classifier.suggest(description=text, order=neutral_order(), volumes=None, policy=chosen)


def rules_classifier(policy: ClassificationPolicy | None = None) -> Classify:
    chosen = policy or ClassificationPolicy()
    return lambda text: classification.classify(
        description=text, order=neutral_order(), open_on_merchant=0, open_on_sku=0, policy=chosen
    )


@dataclass
class Report:
    items: int
    type_confusion: Counter[tuple[str, str]] = field(default_factory=Counter)  # (truth, predicted)
    severity_confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    class_correct: int = 0
    needs_agent: int = 0
    suggestions_as_merchant_fault: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)

    @property
    def type_correct(self) -> int:
        return sum(n for (t, p), n in self.type_confusion.items() if t == p)

    @property
    def type_accuracy(self) -> float:
        return self.type_correct / self.items

    def severity_count(self, label: str) -> int:
        return sum(n for (t, _), n in self.severity_confusion.items() if t == label)

    @property
    def dispute_class_accuracy(self) -> float:
        return self.class_correct / self.items

    def precision_recall(self, label: str, severity: bool = False) -> tuple[float, float, int]:
        confusion = self.severity_confusion if severity else self.type_confusion
        true_positive = confusion[(label, label)]
        predicted = sum(n for (_, p), n in confusion.items() if p == label)
        actual = sum(n for (t, _), n in confusion.items() if t == label)
        return (true_positive / predicted if predicted else 1.0, true_positive / actual if actual else 1.0, actual)

    @property
    def severity_a_recall(self) -> float:
        return self.precision_recall(Severity.A.value, severity=True)[1]


def evaluate(items: Sequence[corpus.Labelled], classify: Classify) -> Report:
    report = Report(items=len(items))
    for item in items:
        result = classify(item.text)
        report.type_confusion[(item.type.value, result.type.value)] += 1
        report.severity_confusion[(item.severity.value, result.severity.value)] += 1
        report.class_correct += result.dispute_class == item.dispute_class
        report.needs_agent += result.needs_agent
        if item.severity == Severity.C and result.type in classifier.MERCHANT_FAULT_TYPES:
            report.suggestions_as_merchant_fault.append(item.source)
        if result.type != item.type or (item.severity == Severity.A) != (result.severity == Severity.A):
            report.misses.append(
                f"{item.source}: {item.type.value}/{item.severity.value} → "
                f"{result.type.value}/{result.severity.value}"
                + (" (needs agent)" if result.needs_agent else "")
                + f": {item.text[:70]}"
            )
    return report
