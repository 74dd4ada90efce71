"""Closed-loop review: the satisfaction survey after completion and re-opening a case."""

from datetime import timedelta

from pydantic import Field, NonNegativeInt

from models.policy._base import _Strict


class ReviewPolicy(_Strict):
    survey_delay: timedelta = Field(timedelta(hours=48), description="from completion to the satisfaction survey")
    survey_window: timedelta = Field(timedelta(days=7), description="time the consumer has to answer the survey")
    satisfaction_threshold: int = Field(
        80, ge=0, le=100, description="a survey score below this re-opens the case for review"
    )
    max_reopen: NonNegativeInt = Field(2, description="reopen rounds before a case closes regardless")
