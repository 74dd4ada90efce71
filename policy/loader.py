"""Reading, validating and time-scaling the operator's policy file."""

from collections.abc import Mapping
from datetime import timedelta
from math import isfinite
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from models.enums import Party, Severity, Stage
from models.policy import Policy

# Stages whose SLA comes from sla.stage (the others have severity- or intake-based clocks).
STAGE_CLOCK_STAGES = (Stage.EVIDENCE, Stage.NEGOTIATION, Stage.EXECUTION, Stage.REOPENED)
EVIDENCE_PARTIES = (Party.CONSUMER, Party.MERCHANT, Party.CARRIER)

# Retry backoff talks to real systems (payment gateway, deposit ledger): shrinking it would only
# hammer them faster, so scaled() leaves it alone.
_Model = TypeVar("_Model", bound=BaseModel)
_UNSCALED_PATHS = frozenset({("execution", "retry_initial"), ("execution", "retry_maximum")})


class PolicyError(ValueError):
    """An unusable policy. The message names every offending field path, e.g. 'sla.warning_ratio: …'."""

    def __init__(self, problems: str | list[str], source: str | None = None):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        prefix = f"{source}: " if source else ""
        super().__init__(prefix + "; ".join(self.problems))


def load_policy(path: str | Path) -> Policy:
    """Load and fully validate a YAML policy file."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyError(["policy file not found"], source=str(file)) from None
    except OSError as exc:
        raise PolicyError([f"policy file unreadable ({exc.strerror})"], source=str(file)) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PolicyError([f"not valid YAML: {exc}"], source=str(file)) from None
    return parse_policy(data, source=str(file))


def parse_policy(data: Any, source: str | None = None) -> Policy:
    """Validate already-parsed policy data (a YAML file's content or an admin's JSON upload)."""
    if not isinstance(data, Mapping):
        raise PolicyError([f"<root>: expected a mapping of policy sections, got {type(data).__name__}"], source)
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        raise PolicyError([_describe(error) for error in exc.errors()], source) from None
    problems = completeness_problems(policy)
    if problems:
        raise PolicyError(problems, source)
    return policy


def completeness_problems(policy: Policy) -> list[str]:
    """What the schema alone cannot express: every table the workflow looks up must be complete.

    A gap here would surface as a KeyError deep inside a running case, so it is refused up front.
    """
    problems = []
    for severity in Severity:
        if severity not in policy.sla.by_severity:
            problems.append(f"sla.by_severity.{severity.value}: missing (every severity needs a clock)")
    for stage in STAGE_CLOCK_STAGES:
        if stage.value not in policy.sla.stage:
            problems.append(f"sla.stage.{stage.value}: missing (the {stage.value} stage needs an SLA)")
    for party in EVIDENCE_PARTIES:
        if party.value not in policy.evidence.deadlines:
            problems.append(f"evidence.deadlines.{party.value}: missing (evidence requests need a deadline)")
    hours = policy.sla.business_hours
    if any(day not in range(7) for day in hours.weekdays):
        problems.append("sla.business_hours.weekdays: days must be 0 (Monday) to 6 (Sunday)")
    elif hours.enabled and not hours.weekdays:
        problems.append("sla.business_hours.weekdays: no working day, SLA clocks could never run")
    return problems


def _describe(error: Mapping[str, Any]) -> str:
    where = ".".join(str(part) for part in error["loc"]) or "<root>"
    return f"{where}: {error['msg']}"


def scaled(policy: Policy, factor: float) -> Policy:
    """A copy with every duration multiplied by `factor` (retry backoff excepted).

    Tests and benchmarks use it to run the real business rules with days shrunk to seconds.
    """
    if not (isfinite(factor) and factor > 0):
        raise ValueError(f"scale factor must be a positive finite number, got {factor!r}")
    shrunk = _scale_model(policy, factor, ())
    return shrunk.model_copy(update={"version": f"{policy.version}+x{factor:g}"})


def _scale_model(model: _Model, factor: float, path: tuple[str, ...]) -> _Model:
    # model_copy keeps the frozen models' identity rules and skips re-validation of untouched data.
    return model.model_copy(
        update={name: _scale(getattr(model, name), factor, (*path, name)) for name in type(model).model_fields}
    )


def _scale(value: Any, factor: float, path: tuple[str, ...]) -> Any:
    if path in _UNSCALED_PATHS:
        return value
    if isinstance(value, timedelta):
        return value * factor
    if isinstance(value, BaseModel):
        return _scale_model(value, factor, path)
    if isinstance(value, dict):
        return {key: _scale(item, factor, (*path, str(key))) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_scale(item, factor, (*path, str(index))) for index, item in enumerate(value))
    return value
