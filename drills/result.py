"""A drill's verdict: what was done, what was measured, and every problem found."""

from dataclasses import dataclass, field
from typing import Any


@dataclass
class DrillResult:
    name: str
    figures: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def render(self) -> str:
        figures = ", ".join(f"{k} {v:.1f}" if isinstance(v, float) else f"{k} {v}" for k, v in self.figures.items())
        head = f"[{'PASS' if self.ok else 'FAIL'}] {self.name}: {figures}"
        return "\n".join([head, *(f"    - {p}" for p in self.problems[:20])])
