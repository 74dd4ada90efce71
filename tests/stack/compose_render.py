"""What `docker compose config` does before validating, for a machine without Docker: load the YAML
(anchors and merge keys included) and interpolate ${VAR}, ${VAR:-default}, ${VAR:?error} and $$."""

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / "deploy" / "env.example"

_VARIABLE = re.compile(r"\$(?:\$|\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\})")


class MissingVariable(ValueError):
    pass


def variables_used(text: str) -> dict[str, set[str]]:
    """Each variable named in the text, with the operators it is used with ('' for a bare ${VAR})."""
    used: dict[str, set[str]] = {}
    for match in _VARIABLE.finditer(text):
        if match["name"]:
            used.setdefault(match["name"], set()).add(match["op"] or "")
    return used


def interpolate(value: str, env: Mapping[str, str]) -> str:
    def substitute(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match["name"], match["op"], match["arg"]
        current = env.get(name)
        unset = current is None or (current == "" and op and op.startswith(":"))
        if op in (":-", "-") and unset:
            return arg
        if op in (":?", "?") and unset:
            raise MissingVariable(f"{name}: {arg}")
        return current or ""

    return _VARIABLE.sub(substitute, value)


def _walk(node: Any, env: Mapping[str, str]) -> Any:
    if isinstance(node, str):
        return interpolate(node, env)
    if isinstance(node, list):
        return [_walk(item, env) for item in node]
    if isinstance(node, dict):
        return {key: _walk(item, env) for key, item in node.items()}
    return node


def read_env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def render(env: Mapping[str, str]) -> dict[str, Any]:
    return _walk(yaml.safe_load(COMPOSE_FILE.read_text()), env)
