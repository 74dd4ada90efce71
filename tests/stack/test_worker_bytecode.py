"""The workflow code's bytecode is written before any sandbox imports it (runtime/bytecode.py): the sandbox
re-imports the workflow modules for every case and replay, and with PYTHONDONTWRITEBYTECODE nothing else
writes it, so each of those imports would compile from source."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import workflows
from runtime.bytecode import compile_package
from runtime.worker_build import workflow_runner
from tests.stack.test_compose import dockerfile_lines


def _package(tmp_path: Path) -> Path:
    package = tmp_path / "pkg_bytecode_probe"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "stage.py").write_text("VALUE = 41 + 1\n")
    return package


def test_with_dont_write_bytecode_an_import_leaves_none_and_compile_package_writes_it(tmp_path):
    package = _package(tmp_path)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(tmp_path)}
    subprocess.run([sys.executable, "-c", "import pkg_bytecode_probe.stage"], env=env, check=True)
    cached = Path(importlib.util.cache_from_source(str(package / "stage.py")))
    assert not cached.exists()  # what every sandboxed import of the workflow code met before

    assert compile_package(package)

    assert cached.exists() and cached.stat().st_size > 0
    probe = "import pkg_bytecode_probe.stage as m; print(m.__spec__.cached, m.VALUE)"
    out = subprocess.run([sys.executable, "-c", probe], env=env, check=True, capture_output=True, text=True)
    assert out.stdout.split() == [str(cached), "42"]


def test_the_sandbox_runner_leaves_every_workflow_module_with_current_bytecode():
    workflow_runner()
    for source in Path(workflows.__file__).parent.glob("*.py"):
        cached = Path(importlib.util.cache_from_source(str(source)))
        assert cached.exists(), f"no bytecode for {source.name}"
        assert cached.stat().st_mtime >= source.stat().st_mtime, f"stale bytecode for {source.name}"


def test_the_image_compiles_the_code_after_copying_it_and_before_dropping_root():
    lines = dockerfile_lines()
    compiled = next(i for i, line in enumerate(lines) if "compileall" in line)
    last_copy = max(i for i, line in enumerate(lines) if line.startswith("COPY"))
    user = max(i for i, line in enumerate(lines) if line.startswith("USER"))
    assert last_copy < compiled < user
    assert "/app" in lines[compiled]
