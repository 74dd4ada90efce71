"""Bytecode for the workflow code, so that the sandbox does not compile it from source for every case.

Temporal's sandbox runs each workflow instance (a new case, a case evicted from the worker's cache, every
replay) in a fresh module namespace: the workflow modules are imported again, each time. Python reads a
module's cached bytecode if there is one, and compiles the source if not. With PYTHONDONTWRITEBYTECODE
(set in the image and on many hosts) nothing ever writes that cache, so every instance compiled every
workflow module: about a fifth of a replay's time here (docs/PERFORMANCE.md). The image byte-compiles the
code when it is built (Dockerfile); from a source tree, the first sandbox runner a process makes (a worker,
a replayer: runtime.worker_build.workflow_runner) writes it.
"""

import compileall
import functools
import logging
from pathlib import Path

import workflows

log = logging.getLogger(__name__)


@functools.cache
def compile_workflow_modules() -> bool:
    """Write the workflow package's bytecode, once per process."""
    return compile_package(Path(workflows.__file__).parent)


def compile_package(package: Path) -> bool:
    """Write a package's bytecode (compileall writes it whatever PYTHONDONTWRITEBYTECODE says, and leaves
    an up-to-date file alone). False, logged, when it cannot be written: a read-only tree without it
    still works, only slower."""
    try:
        ok = bool(compileall.compile_dir(package, quiet=1))
    except OSError as err:  # a read-only tree: the image's build step should have compiled it
        log.warning("workflow bytecode not written (%s): each new case compiles the workflow code", err)
        return False
    if not ok:
        log.warning("workflow bytecode not written under %s: each new case compiles the workflow code", package)
    return ok
