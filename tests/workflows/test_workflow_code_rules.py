"""Workflow code reads no clock, randomness or environment of its own (time is `workflow.now()`, ids are
counters), and keeps no state in its modules.

Why a test and not only the sandbox: `workflows/` is passed through the sandbox (runtime/worker_build.py
PASSTHROUGH), so a new case, a replay or an eviction does not execute its modules again and rebuild the
workflow classes (a tenth of a replay's time), and calls in passed-through code are not intercepted; every
case shares those modules' globals. Both rules are therefore checked here, over the syntax of every module in
`workflows/`.
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


MUTATING_METHODS = {"append", "extend", "insert", "add", "update", "pop", "popitem", "remove", "discard", "clear"}
MUTATING_METHODS |= {"setdefault", "sort", "reverse"}


def _module_state_writes(source: str) -> list[str]:
    """Writes from inside a function to a module-level name: rebinding it, or changing what it holds."""
    tree = ast.parse(source)
    module_names = {
        target.id
        for node in tree.body
        if isinstance(node, (ast.Assign, ast.AnnAssign))
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(target, ast.Name)
    }
    found = []
    for function in (n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))):
        local = {a.arg for a in function.args.args + function.args.kwonlyargs}
        for node in ast.walk(function):
            if isinstance(node, (ast.Global, ast.Nonlocal)):
                found.append(f"{type(node).__name__.lower()} {', '.join(node.names)} at line {node.lineno}")
            targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
            for target in targets if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)) else []:
                root = target
                while isinstance(root, (ast.Subscript, ast.Attribute)):
                    root = root.value
                if target is not root and isinstance(root, ast.Name) and root.id in module_names - local:
                    found.append(f"{root.id} changed at line {node.lineno}")
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in MUTATING_METHODS
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in module_names - local
            ):
                found.append(f"{node.func.value.id}.{node.func.attr}() at line {node.lineno}")
    return found


@pytest.mark.parametrize("path", sorted(WORKFLOWS.glob("*.py")), ids=lambda p: p.name)
def test_workflow_module_reads_no_clock_randomness_or_environment(path: Path):
    assert _problems(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("path", sorted(WORKFLOWS.glob("*.py")), ids=lambda p: p.name)
def test_workflow_module_keeps_no_state_between_cases(path: Path):
    assert _module_state_writes(path.read_text(encoding="utf-8")) == []


def test_the_state_rule_finds_what_it_forbids():
    source = (
        "SEEN = {}\nCOUNT = 0\nNAMES = []\n"
        "def f(x):\n    SEEN[x] = 1\n    NAMES.append(x)\n    global COUNT\n    COUNT += 1\n"
        "def g(SEEN):\n    SEEN[1] = 2\n    local = {}\n    local['a'] = 1\n"
    )
    assert sorted(_module_state_writes(source)) == [
        "NAMES.append() at line 6",
        "SEEN changed at line 5",
        "global COUNT at line 7",
    ]


def test_the_rule_finds_what_it_forbids():
    source = "import uuid\nfrom time import monotonic\nfrom datetime import datetime\nx = datetime.now()\n"
    assert _problems(source) == ["import uuid", "from time import ...", "datetime.now() at line 4"]
