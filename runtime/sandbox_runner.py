"""The SDK's sandboxed workflow runner, with the code it runs inside the sandbox compiled once.

Why: for every activation, and for every payload the SDK visits on the way in and out (to find the payload's
serialization context), the sandbox runs a short Python string with `exec`, which compiles it again each
time. In a loaded worker and in replay that compilation was a tenth of the process's time (py-spy,
2026-12-04: `_Instance.get_serialization_context` 19 % of a replay, most of it `exec` of the same two
lines). The strings are a handful of constants, so each is compiled once per process and the compiled code is
run exactly as the SDK runs the string: same globals, same in-sandbox flag, same thread id.

This leans on the SDK's private `_Instance` (temporalio 1.35); `tests/workflows/test_sandbox_runner.py`
fails if that class stops looking as it does here, and every test and replay in the suite runs through it.
"""

import functools
import threading
from types import CodeType
from typing import Any

import temporalio.workflow
from temporalio.worker import WorkflowInstance, WorkflowInstanceDetails
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner
from temporalio.worker.workflow_sandbox._runner import _Instance


@functools.lru_cache(maxsize=256)  # a few constant strings, plus one import line per workflow class
def compiled(code: str) -> CodeType:
    return compile(code, "<workflow sandbox>", "exec")


class _CompiledOnceInstance(_Instance):
    def _run_code(self, code: str, **extra_globals: Any) -> None:
        # The body of the SDK's _Instance._run_code, with exec given the compiled code instead of the string.
        for k, v in extra_globals.items():
            self.globals_and_locals[k] = v
        try:
            temporalio.workflow.unsafe._set_in_sandbox(True)
            self._current_thread_id = threading.get_ident()
            exec(compiled(code), self.globals_and_locals, self.globals_and_locals)
        finally:
            temporalio.workflow.unsafe._set_in_sandbox(False)
            self._current_thread_id = None
            for k in extra_globals:
                self.globals_and_locals.pop(k, None)


class CompiledOnceSandboxedWorkflowRunner(SandboxedWorkflowRunner):
    """SandboxedWorkflowRunner whose instances compile each code string they run once per process."""

    def create_instance(self, det: WorkflowInstanceDetails) -> WorkflowInstance:
        return _CompiledOnceInstance(det, self.runner_class, self.restrictions)
