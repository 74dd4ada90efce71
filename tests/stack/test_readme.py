"""The README stays true: its commands exist, its tables match the code, CI runs its test command."""

import re
from pathlib import Path

import typer
from pydantic import SecretStr

from cli.main import app
from core.settings import Settings
from seed.demo import DEMO_USERS

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def tables_after(heading: str) -> list[list[list[str]]]:
    """The tables of a README section (up to the next heading of the same level), header rows dropped;
    cells with backticks and emphasis stripped."""
    level = heading.split(" ")[0]
    section = README.split(heading + "\n", 1)[1].split("\n" + level + " ", 1)[0]
    tables, current = [], []
    for line in section.splitlines() + [""]:
        if line.startswith("|"):
            cells = [c.strip().replace("`", "").strip("*").strip() for c in line.strip().strip("|").split("|")]
            if not set("".join(cells)) <= set("- "):
                current.append(cells)
        elif current:
            tables.append(current[1:])
            current = []
    return tables


def first_code_block() -> list[str]:
    block = re.search(r"```bash\n(.*?)```", README, re.S)[1]
    return [line.split("#")[0].strip() for line in block.strip().splitlines()]


def test_readme_opens_with_the_run_and_the_test_command():
    assert README.index("```bash") < README.index("## Architecture")
    assert first_code_block() == ["./scripts/dev", "./scripts/test"]
    for script in first_code_block():
        assert (ROOT / script).is_file()


def test_ci_runs_the_readme_test_command():
    commands = [
        line.strip()
        for line in (ROOT / ".ci/run").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert "set -euo pipefail" in commands
    assert commands[-1] == first_code_block()[1]


def test_configuration_table_lists_every_setting_with_its_default():
    rows = {cells[0]: cells[1] for cells in tables_after("## Configuration")[0]}
    assert set(rows) == {name.upper() for name in Settings.model_fields}
    for name, field in Settings.model_fields.items():
        default = field.default
        if isinstance(default, bool):
            assert rows[name.upper()] == str(default).lower(), name
        elif isinstance(default, (int, str)):
            assert rows[name.upper()] == str(default), name
        elif isinstance(default, Path):
            shown = default.relative_to(ROOT) if default.is_absolute() else default
            assert rows[name.upper()] == shown.as_posix(), name
        elif default is None or isinstance(default, SecretStr):
            assert rows[name.upper()].startswith("(")  # "(unset...)" or "(a development value)"


def test_every_documented_command_exists():
    commands = set(typer.main.get_command(app).commands)
    user_commands = set(typer.main.get_command(app).commands["user"].commands)
    blocks = re.findall(r"```bash\n(.*?)```", README, re.S)
    spans = re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", README, flags=re.S))
    code = "\n".join(blocks + spans)
    assert "complaints up" in code and "complaints user create" in code
    for match in re.finditer(r"\bcomplaints ([a-z][a-z-]*)(?: ([a-z][a-z-]*))?", code):
        assert match[1] in commands, match[0]
        if match[1] == "user":
            assert match[2] in user_commands, match[0]


def test_demo_users_table_matches_the_seed():
    rows = tables_after("## Roles and demo users")[1]
    documented = {
        cells[0]: (cells[1], cells[2].replace("consumer ", "").replace("merchant ", "") or None) for cells in rows
    }
    seeded = {u.username: (u.role.value, u.consumer_id or u.merchant_id) for u in DEMO_USERS}
    assert documented == seeded
