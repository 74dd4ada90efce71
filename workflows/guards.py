"""Rejections that validators and handlers raise: the API maps each type to an HTTP status."""

from temporalio.exceptions import ApplicationError

from models.enums import Stage


def invalid_stage(stage: Stage, action: str, expected: str) -> ApplicationError:
    return ApplicationError(
        f"case is in stage '{stage.value}'; {action} expects {expected}",
        {"stage": stage.value, "expected": expected},
        type="InvalidStage",
        non_retryable=True,
    )


def conflict(message: str, **details: object) -> ApplicationError:
    return ApplicationError(message, details, type="Conflict", non_retryable=True)


def invalid_input(field: str, message: str) -> ApplicationError:
    return ApplicationError(
        f"{field}: {message}", {"field": field, "message": message}, type="InvalidInput", non_retryable=True
    )


def not_allowed(message: str) -> ApplicationError:
    return ApplicationError(message, {}, type="NotAllowed", non_retryable=True)


def require_stage(stage: Stage, action: str, *allowed: Stage) -> None:
    if stage not in allowed:
        expected = " or ".join(f"'{s.value}'" for s in allowed)
        raise invalid_stage(stage, action, f"stage {expected}")
