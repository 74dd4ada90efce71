"""Workflow code reads no clock, randomness or environment of its own: time is `workflow.now()`, ids are counters.

Why a test and not only the sandbox: the sandbox re-imports only the workflow definition modules for each
case (`workflows/complaint.py`, ...); the rest of `workflows/` is imported through (`imports_passed_through`,
so each new case does not execute twenty modules again), and calls in passed-through code are not
intercepted. The rule is therefore checked here, over the syntax of every module in `workflows/`.
"""

import ast
from pathlib import Path

import pytest

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"
FORBIDDEN_MODULES = {"random", "secrets", "uuid", "time", "threading", "os", "socket", "subprocess"}
FORBIDDEN_CALLS = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today")}


def _problems(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names if a.name.split(".")[0] in FORBIDDEN_MODULES]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in FORBIDDEN_MODULES:
            found.append(f"from {node.module} import ...")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and (node.func.value.id, node.func.attr) in FORBIDDEN_CALLS
        ):
            found.append(f"{node.func.value.id}.{node.func.attr}() at line {node.lineno}")
    return found


@pytest.mark.parametrize("path", sorted(WORKFLOWS.glob("*.py")), ids=lambda p: p.name)
def test_workflow_module_reads_no_clock_randomness_or_environment(path: Path):
    assert _problems(path.read_text(encoding="utf-8")) == []


def test_the_rule_finds_what_it_forbids():
    source = "import uuid\nfrom time import monotonic\nfrom datetime import datetime\nx = datetime.now()\n"
    assert _problems(source) == ["import uuid", "from time import ...", "datetime.now() at line 4"]
