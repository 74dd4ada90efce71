"""The base of every policy section: unknown keys are refused and a loaded policy cannot change."""

from pydantic import BaseModel, ConfigDict


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
