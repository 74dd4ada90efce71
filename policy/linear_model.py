"""A linear model over sparse binary features, evaluated in plain Python.

Training (policy/classifier_train.py, scikit-learn) exports its weights into the JSON artifact
policy/classifier_model.json; this module only reads it. Inference adds the weights of the
features present in a fixed (sorted) order, so the same text always gives the same scores, and
the features that decided can be named.
"""

import json
import math
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

ARTIFACT = Path(__file__).with_name("classifier_model.json")


@dataclass(frozen=True)
class LinearModel:
    classes: tuple[str, ...]
    bias: tuple[float, ...]
    weights: dict[str, tuple[float, ...]]

    def scores(self, features: dict[str, float]) -> list[float]:
        totals = list(self.bias)
        for name in sorted(features):
            row = self.weights.get(name)
            if row is not None:
                value = features[name]
                for i, weight in enumerate(row):
                    totals[i] += weight * value
        return totals

    def probabilities(self, features: dict[str, float]) -> dict[str, float]:
        scores = self.scores(features)
        top = max(scores)
        exps = [math.exp(score - top) for score in scores]
        total = sum(exps)
        return {label: exp / total for label, exp in zip(self.classes, exps, strict=True)}

    def deciding_features(
        self, features: dict[str, float], winner: str, runner_up: str | None, limit: int = 3
    ) -> list[tuple[str, float]]:
        """The present features that pushed `winner` furthest ahead of `runner_up` (or of the mean)."""
        w = self.classes.index(winner)
        r = self.classes.index(runner_up) if runner_up is not None else None
        pushes = []
        for name in sorted(features):
            row = self.weights.get(name)
            if row is None:
                continue
            other = row[r] if r is not None else sum(row) / len(row)
            push = (row[w] - other) * features[name]
            if push > 0:
                pushes.append((name, push))
        pushes.sort(key=lambda item: (-item[1], item[0]))
        return pushes[:limit]

    def to_json(self) -> dict[str, Any]:
        return {
            "classes": list(self.classes),
            "bias": list(self.bias),
            "weights": {name: list(row) for name, row in sorted(self.weights.items())},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "LinearModel":
        return cls(
            classes=tuple(data["classes"]),
            bias=tuple(float(b) for b in data["bias"]),
            weights={name: tuple(float(w) for w in row) for name, row in data["weights"].items()},
        )


@dataclass(frozen=True)
class Artifact:
    type_model: LinearModel
    severity_model: LinearModel
    meta: dict[str, Any]


def read_artifact(path: Path) -> Artifact:
    data = json.loads(path.read_text(encoding="utf-8"))
    return Artifact(
        type_model=LinearModel.from_json(data["type"]),
        severity_model=LinearModel.from_json(data["severity"]),
        meta=data.get("meta", {}),
    )


_shipped_lock = threading.Lock()


def shipped() -> Artifact:
    """The packaged artifact, read once per process: the lock makes the activity threads that classify at the
    same moment after a start wait for one read instead of each reading it (lru_cache alone does not)."""
    with _shipped_lock:
        return _read_shipped()


@lru_cache(maxsize=1)
def _read_shipped() -> Artifact:
    return read_artifact(ARTIFACT)


def write_artifact(path: Path, artifact: Artifact) -> None:
    data = {"meta": artifact.meta, "type": artifact.type_model.to_json(), "severity": artifact.severity_model.to_json()}
    path.write_text(
        json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n", encoding="utf-8"
    )
