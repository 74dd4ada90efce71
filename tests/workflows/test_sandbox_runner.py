"""The sandbox runner compiles each string it runs once (runtime/sandbox_runner.py), and runs it as the SDK does.

Every worker and replayer of the suite runs through it, so every workflow test and replay checks its behaviour;
these two tests check what the suite cannot see: that a second replay compiles nothing, and that the SDK's
own `_Instance._run_code`, whose body the runner copies, still does what the copy does.
"""

import inspect
from pathlib import Path

from temporalio.worker import Replayer
from temporalio.worker.workflow_sandbox._runner import _Instance

from audit.history import history_from_json
from core.temporal import data_converter
from runtime.sandbox_runner import CompiledOnceSandboxedWorkflowRunner, compiled
from runtime.worker_build import workflow_runner
from workflows.complaint import ComplaintWorkflow

HISTORY = Path(__file__).resolve().parents[1] / "histories" / "v5_tier1_resolved.json"


async def test_a_second_replay_compiles_nothing_and_replays_clean():
    runner = workflow_runner()
    assert isinstance(runner, CompiledOnceSandboxedWorkflowRunner)
    replayer = Replayer(workflows=[ComplaintWorkflow], data_converter=data_converter(), workflow_runner=runner)
    history = history_from_json(HISTORY.read_text(encoding="utf-8"))
    first = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    after_first = compiled.cache_info()
    second = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    after_second = compiled.cache_info()
    assert first.replay_failure is None and second.replay_failure is None
    assert after_second.misses == after_first.misses  # every string of the second replay was compiled before
    assert after_second.hits > after_first.hits + 50  # an activation and a payload context each run one


def test_the_sdk_runs_sandbox_code_the_way_the_runner_copies():
    body = inspect.getsource(_Instance._run_code)
    for statement in (
        "self.globals_and_locals[k] = v",
        "temporalio.workflow.unsafe._set_in_sandbox(True)",
        "self._current_thread_id = threading.get_ident()",
        "exec(code, self.globals_and_locals, self.globals_and_locals)",
        "temporalio.workflow.unsafe._set_in_sandbox(False)",
        "self._current_thread_id = None",
        "self.globals_and_locals.pop(k, None)",
    ):
        assert statement in body, statement
