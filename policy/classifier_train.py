"""Training the classifier's weights on the corpus' train split (scikit-learn, development only).

Deterministic: features are sorted, the solver (lbfgs) has no randomness, folds are not shuffled,
and weights are rounded before export, so training twice writes the same artifact byte for byte.
The regularisation strength is chosen by cross-validation inside the train split; the test split
is never read here (policy/corpus.part("train") is the only source).
"""

import hashlib
from collections.abc import Sequence
from typing import Any

from models.policy import ClassificationPolicy
from policy import corpus
from policy.classifier import feature_set
from policy.linear_model import Artifact, LinearModel

# Regularisation, chosen by `complaints classifier tune` (5-fold cross-validation inside the train split).
TYPE_C = 64.0
SEVERITY_C = 16.0
C_GRID = (4.0, 16.0, 64.0, 256.0)
FOLDS = 5
DECIMALS = 3
PRUNE_BELOW = 0.01  # weights this small change no decision; dropping them keeps the artifact small


def train(items: Sequence[corpus.Labelled] | None = None, policy: ClassificationPolicy | None = None) -> Artifact:
    items = list(items if items is not None else corpus.part("train"))
    if any(item.split != "train" for item in items):
        raise ValueError("training sees the train split only")
    policy = policy or ClassificationPolicy()
    rows = [feature_set(item.text, policy)[0] for item in items]
    type_labels = [item.type.value for item in items]
    severity_labels = [item.severity.value for item in items]
    type_c, severity_c = TYPE_C, SEVERITY_C
    meta = {
        "train_items": len(items),
        "train_sha256": _digest(items),
        "type_c": type_c,
        "severity_c": severity_c,
        "features": "jieba words, char n-grams, policy keywords",
    }
    return Artifact(
        type_model=_fit(rows, type_labels, type_c, balanced=False),
        severity_model=_fit(rows, severity_labels, severity_c, balanced=True),
        meta=meta,
    )


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
    items = list(items if items is not None else corpus.part("train"))
    if any(item.split != "train" for item in items):
        raise ValueError("tuning sees the train split only")
    policy = policy or ClassificationPolicy()
    rows = [feature_set(item.text, policy)[0] for item in items]
    return {
        "type": _scores(rows, [i.type.value for i in items], balanced=False),
        "severity": _scores(rows, [i.severity.value for i in items], balanced=True),
    }


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
    coef = estimator.coef_
    intercept = estimator.intercept_ if balanced else [0.0] * len(classes)
    bias = [float(b) for b in intercept]
    weights = {}
    for j, name in enumerate(names):
        row = tuple(round(float(coef[k][j]), DECIMALS) for k in range(len(classes)))
        if max(abs(w) for w in row) >= PRUNE_BELOW:
            weights[name] = row
    return LinearModel(classes=tuple(classes), bias=tuple(round(b, DECIMALS) for b in bias), weights=weights)
