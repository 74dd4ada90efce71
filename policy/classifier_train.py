"""Training the classifier's weights on the corpus' train split (scikit-learn, development only).

Deterministic: features are sorted, the solver (lbfgs) has no randomness, folds are not shuffled,
and weights are rounded before export, so training twice writes the same artifact byte for byte.
The regularisation strength is chosen by cross-validation inside the train split; the test split
is never read here (policy/corpus.part("train") is the only source).
"""

import hashlib
from collections.abc import Sequence
from typing import Any

from models.enums import Severity
from models.policy import ClassificationPolicy
from policy import corpus
from policy.classifier import feature_set, severity_features, suggest
from policy.classifier_eval import neutral_order
from policy.linear_model import Artifact, LinearModel

# Regularisation, chosen by `complaints classifier tune` (5-fold cross-validation inside the train split):
# the type's by accuracy, the severity's together with the policy's urgent_probability (URGENCY_RULE).
TYPE_C = 64.0
SEVERITY_C = 256.0
C_GRID = (4.0, 16.0, 64.0, 256.0, 1024.0)
# Candidate values of the policy's urgent_probability, highest first.
URGENT_GRID = (0.30, 0.25, 0.20, 0.15, 0.12, 0.10, 0.07, 0.05)
# A false alarm is not free: an urgent case gets a one-hour first-contact clock. So the severity C and
# urgent_probability are the pair with the highest cross-validated severity-A recall whose severity-A
# precision is at least PRECISION_FLOOR; ties go to the higher precision.
PRECISION_FLOOR = 0.75
URGENCY_RULE = (
    f"the highest cross-validated severity-A recall whose severity-A precision is at least {PRECISION_FLOOR:.0%}; "
    "ties broken by higher precision"
)
FOLDS = 5
DECIMALS = 3
PRUNE_BELOW = 0.01  # weights this small change no decision; dropping them keeps the artifact small


def train(
    items: Sequence[corpus.Labelled] | None = None,
    policy: ClassificationPolicy | None = None,
    *,
    severity_c: float = SEVERITY_C,
) -> Artifact:
    items = list(items if items is not None else corpus.part("train"))
    if any(item.split != "train" for item in items):
        raise ValueError("training sees the train split only")
    policy = policy or ClassificationPolicy()
    rows = [feature_set(item.text, policy)[0] for item in items]
    return Artifact(
        type_model=_type_model(items, rows),
        severity_model=_severity_model(items, rows, severity_c),
        meta=_meta(items, TYPE_C, severity_c),
    )


def _type_model(items: Sequence[corpus.Labelled], rows: list[dict[str, float]]) -> LinearModel:
    return _fit(rows, [item.type.value for item in items], TYPE_C, balanced=False)


def _severity_model(items: Sequence[corpus.Labelled], rows: list[dict[str, float]], c: float) -> LinearModel:
    severity_rows = [severity_features(row) for row in rows]
    return _fit(severity_rows, [item.severity.value for item in items], c, balanced=True)


def _meta(items: Sequence[corpus.Labelled], type_c: float, severity_c: float) -> dict[str, Any]:
    return {
        "train_items": len(items),
        "train_sha256": _digest(items),
        "type_c": type_c,
        "severity_c": severity_c,
        "features": "jieba words, char n-grams, policy keywords (all but the urgent-keyword flag for the severity)",
    }


def _digest(items: Sequence[corpus.Labelled]) -> str:
    joined = "\n".join(f"{i.type.value}\t{i.severity.value}\t{i.text}" for i in sorted(items, key=lambda i: i.text))
    return hashlib.sha256(joined.encode()).hexdigest()


def _estimator(c: float, balanced: bool) -> Any:
    from sklearn.linear_model import LogisticRegression

    # The type model has no intercept: a text with no known word gets no type's prior (every type is
    # equally likely, so the suggestion is low-confidence and the agent classifies). The severity
    # model keeps one: with no sign of urgency or of a suggestion, a complaint is general (B).
    return LogisticRegression(C=c, max_iter=5000, class_weight="balanced" if balanced else None, fit_intercept=balanced)


def _matrix(rows: list[dict[str, float]]) -> tuple[Any, list[str]]:
    from sklearn.feature_extraction import DictVectorizer

    vectorizer = DictVectorizer(sort=True)
    return vectorizer.fit_transform(rows), list(vectorizer.get_feature_names_out())


def tune(
    items: Sequence[corpus.Labelled] | None = None, policy: ClassificationPolicy | None = None
) -> dict[str, dict[float, float]]:
    """Cross-validated scores of each C in C_GRID, for the type and the severity model (train split only)."""
    items = _train_only(items)
    policy = policy or ClassificationPolicy()
    rows = [feature_set(item.text, policy)[0] for item in items]
    return {
        "type": _scores(rows, [i.type.value for i in items], balanced=False),
        "severity": _scores([severity_features(row) for row in rows], [i.severity.value for i in items], balanced=True),
    }


Urgency = dict[float, dict[float, dict[str, float]]]  # severity C → urgent_probability → recall, precision


def tune_urgency(
    items: Sequence[corpus.Labelled] | None = None,
    policy: ClassificationPolicy | None = None,
    severity_grid: Sequence[float] = C_GRID,
) -> Urgency:
    """Severity-A recall and precision of the whole classifier at each severity C and urgent_probability.

    Each fold's texts are classified by weights trained on the other folds (train split only), so
    the figures say how a setting does on texts the model has not seen.
    """
    from sklearn.model_selection import StratifiedKFold

    items = _train_only(items)
    policy = policy or ClassificationPolicy()
    urgent = Severity.A
    rows = [feature_set(item.text, policy)[0] for item in items]
    chosen = {threshold: policy.model_copy(update={"urgent_probability": threshold}) for threshold in URGENT_GRID}
    counts = {c: {threshold: {"hit": 0, "flagged": 0} for threshold in URGENT_GRID} for c in severity_grid}
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=False).split(items, [i.type.value for i in items])
    for fit_on, held in folds:
        fit_items, fit_rows = [items[k] for k in fit_on], [rows[k] for k in fit_on]
        type_model = _type_model(fit_items, fit_rows)
        for c in severity_grid:
            artifact = Artifact(type_model=type_model, severity_model=_severity_model(fit_items, fit_rows, c), meta={})
            for threshold in URGENT_GRID:
                for k in held:
                    result = suggest(
                        description=items[k].text,
                        order=neutral_order(),
                        volumes=None,
                        policy=chosen[threshold],
                        artifact=artifact,
                    )
                    if result.severity == urgent:
                        counts[c][threshold]["flagged"] += 1
                        counts[c][threshold]["hit"] += items[k].severity == urgent
    actual = sum(item.severity == urgent for item in items)
    return {
        c: {
            threshold: {
                "recall": round(n["hit"] / actual, 4) if actual else 1.0,
                "precision": round(n["hit"] / n["flagged"], 4) if n["flagged"] else 1.0,
            }
            for threshold, n in by_threshold.items()
        }
        for c, by_threshold in counts.items()
    }


def urgency_choices(figures: Urgency, floor: float = PRECISION_FLOOR) -> list[tuple[float, float]]:
    """The (severity C, urgent_probability) pairs URGENCY_RULE admits, best first.

    Highest recall first, then higher precision; a pair that still ties (the same texts flagged)
    goes to the higher threshold and then the stronger regularisation (smaller C).
    """
    admitted = [
        (c, threshold, scores)
        for c, by_threshold in figures.items()
        for threshold, scores in by_threshold.items()
        if scores["precision"] >= floor
    ]
    admitted.sort(key=lambda entry: (-entry[2]["recall"], -entry[2]["precision"], -entry[1], entry[0]))
    return [(c, threshold) for c, threshold, _ in admitted]


def _train_only(items: Sequence[corpus.Labelled] | None) -> list[corpus.Labelled]:
    chosen = list(items if items is not None else corpus.part("train"))
    if any(item.split != "train" for item in chosen):
        raise ValueError("tuning sees the train split only")
    return chosen


def _scores(rows: list[dict[str, float]], labels: list[str], *, balanced: bool) -> dict[float, float]:
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    matrix, _ = _matrix(rows)
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=False)
    scoring = "balanced_accuracy" if balanced else "accuracy"
    return {
        c: round(float(cross_val_score(_estimator(c, balanced), matrix, labels, cv=folds, scoring=scoring).mean()), 4)
        for c in C_GRID
    }


def _fit(rows: list[dict[str, float]], labels: list[str], c: float, *, balanced: bool) -> LinearModel:
    matrix, names = _matrix(rows)
    estimator = _estimator(c, balanced).fit(matrix, labels)
    classes = [str(label) for label in estimator.classes_]
    coef = [list(row) for row in estimator.coef_]
    intercept = [float(b) for b in estimator.intercept_] if balanced else [0.0] * len(coef)
    if len(classes) == 2:
        # Two classes give one row (the second class against the first); a zero row for the first
        # keeps the softmax of the exported scores equal to sklearn's sigmoid.
        coef, intercept = [[0.0] * len(coef[0]), coef[0]], [0.0, intercept[0]]
    bias = intercept
    weights = {}
    for j, name in enumerate(names):
        row = tuple(round(float(coef[k][j]), DECIMALS) for k in range(len(classes)))
        if max(abs(w) for w in row) >= PRUNE_BELOW:
            weights[name] = row
    return LinearModel(classes=tuple(classes), bias=tuple(round(b, DECIMALS) for b in bias), weights=weights)
