"""The batch rule of `batched-step-writes` (workflows/case_effects.py), checked on the code itself.

A case buffers its writes and flushes them before it lets another of its coroutines run, so that a batch
holds one step's writes. That holds only if every wait, lock and regular activity of a case goes through
`Case.wait_condition`, `Case.locked` and `Case.activity`, which flush first. A direct call would let a batch
carry another step's writes (and its failure become that step's), and no replay would notice.
"""

import ast
from pathlib import Path

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"
# Where the primitives are used on purpose: the wrappers themselves; a re-delivered update that waits for ever
# before doing anything (it has written nothing); the two workflows that are not a case.
ALLOWED = {"case_effects.py", "applied_steps.py", "anchor.py", "insights_scan.py"}
PRIMITIVES = {
    "wait_condition",
    "sleep",
    "execute_activity",
    "execute_activity_method",
    "execute_local_activity",
    "execute_local_activity_method",
    "start_activity",
    "start_activity_method",
}


def _direct_uses(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in PRIMITIVES
            and isinstance(node.value, ast.Name)
            and node.value.id in ("workflow", "asyncio")
        ):
            found.append(f"line {node.lineno}: {node.value.id}.{node.attr}")
        if isinstance(node, ast.AsyncWith):
            for item in node.items:
                expr = item.context_expr
                if isinstance(expr, ast.Attribute) and expr.attr == "lock":
                    found.append(f"line {node.lineno}: async with ….lock")
    return sorted(found, key=lambda use: int(use.split(":")[0].removeprefix("line ")))


def test_every_wait_lock_and_activity_of_a_case_goes_through_the_flushing_wrappers():
    offenders = {
        path.name: uses
        for path in sorted(WORKFLOWS.glob("*.py"))
        if path.name not in ALLOWED and (uses := _direct_uses(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}


def test_the_check_finds_a_direct_wait_and_a_direct_lock():
    """The check above is not vacuous: the shapes it refuses are found."""
    source = (
        "async def f(case):\n"
        "    await workflow.wait_condition(lambda: True)\n"
        "    async with case.lock:\n"
        "        await workflow.execute_activity_method(A.m, 1)\n"
        "    async with case.locked():\n"
        "        await case.wait_condition(lambda: True)\n"
    )
    assert _direct_uses(source) == [
        "line 2: workflow.wait_condition",
        "line 3: async with ….lock",
        "line 4: workflow.execute_activity_method",
    ]
