"""docker-compose.yml and the Dockerfile, checked without a Docker engine.

The file is rendered the way `docker compose config` renders it (tests/stack/compose_render.py) and
validated against the official Compose JSON schema (compose_spec.json, as shipped in the PyPI
package docker-compose 1.29.2). Then it is held to what the code actually reads: settings names,
console commands, search attributes, start order.
"""

import json
import re
from pathlib import Path

import pytest
import typer
from jsonschema import Draft201909Validator
from sqlalchemy.engine import make_url

from cli.main import app
from core import search_attributes
from core.settings import Settings
from tests.stack.compose_render import (
    COMPOSE_FILE,
    ENV_EXAMPLE,
    ROOT,
    MissingVariable,
    read_env_file,
    render,
    variables_used,
)

SCHEMA = json.loads((Path(__file__).parent / "compose_spec.json").read_text())
APP_SERVICES = ("api", "worker", "migrate", "temporal-setup")
SECRETS = ("POSTGRES_PASSWORD", "JWT_SECRET", "PAYLOAD_KEY", "AUDIT_CHAIN_KEY", "GRAFANA_ADMIN_PASSWORD")
SAMPLE_SECRETS = {
    "POSTGRES_PASSWORD": "pg-secret",
    "JWT_SECRET": "j" * 48,
    "PAYLOAD_KEY": "A" * 43 + "=",
    "AUDIT_CHAIN_KEY": "c" * 43,
    "GRAFANA_ADMIN_PASSWORD": "grafana-secret",
}
# Read by OpenTelemetry's own SDK and exporter (observability/tracing.py), not by Settings.
OTEL_VARIABLES = {"OTEL_EXPORTER_OTLP_ENDPOINT"}


@pytest.fixture(scope="module")
def env() -> dict[str, str]:
    return {**read_env_file(ENV_EXAMPLE), **SAMPLE_SECRETS}


@pytest.fixture(scope="module")
def compose(env) -> dict:
    return render(env)


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def cli_commands() -> set[str]:
    return set(typer.main.get_command(app).commands)


def test_compose_file_is_valid_against_the_official_schema(compose):
    errors = sorted(Draft201909Validator(SCHEMA).iter_errors(compose), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{'.'.join(map(str, e.path))}: {e.message}" for e in errors)


def test_the_schema_rejects_a_misspelt_key(compose):
    """Guards the guard: a validator that accepted anything would pass the test above."""
    broken = json.loads(json.dumps(compose))
    broken["services"]["api"]["helthcheck"] = broken["services"]["api"].pop("healthcheck")
    assert list(Draft201909Validator(SCHEMA).iter_errors(broken))


def test_secrets_must_be_supplied_and_none_is_committed(env):
    used = variables_used(COMPOSE_FILE.read_text())
    for secret in SECRETS:
        assert used.get(secret) == {":?"}, f"{secret} must always be ${{{secret}:?...}}: required, no default"
        without = {k: v for k, v in env.items() if k != secret}
        with pytest.raises(MissingVariable, match=secret):
            render(without)
    example = read_env_file(ENV_EXAMPLE)
    assert all(example[secret] == "" for secret in SECRETS), "deploy/env.example must not carry secrets"


def test_env_example_documents_every_variable_the_file_uses():
    used = set(variables_used(COMPOSE_FILE.read_text()))
    assert used <= set(read_env_file(ENV_EXAMPLE)), used - set(read_env_file(ENV_EXAMPLE))


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_environment_is_exactly_what_settings_reads(services, name, monkeypatch):
    environment = services[name]["environment"]
    fields = set(Settings.model_fields)
    unknown = [key for key in environment if key.lower() not in fields and key not in OTEL_VARIABLES]
    assert not unknown, f"{name} sets variables no Settings field reads: {unknown}"
    for key, value in environment.items():
        monkeypatch.setenv(key, str(value))
    settings = Settings(_env_file=None)
    assert settings.dev_mode is False, "production must not seed demo users"
    assert settings.log_format == "json" and settings.metrics_host == "0.0.0.0"
    assert settings.api_host == "0.0.0.0"
    assert settings.jwt_secret.get_secret_value() == SAMPLE_SECRETS["JWT_SECRET"]
    assert settings.payload_key.get_secret_value() == SAMPLE_SECRETS["PAYLOAD_KEY"]
    temporal_host = settings.temporal_address.rsplit(":", 1)[0]
    assert temporal_host in services, f"TEMPORAL_ADDRESS names no service: {temporal_host}"
    policy = Path(str(settings.policy_file))
    assert policy.is_relative_to("/app") and (ROOT / policy.relative_to("/app")).is_file(), policy


def test_database_url_points_at_the_compose_postgresql(services):
    url = make_url(services["api"]["environment"]["DATABASE_URL"])
    postgres_env = services["postgresql"]["environment"]
    assert url.drivername == "postgresql+psycopg"
    assert url.host in services and services[url.host]["image"].startswith("postgres:")
    assert (url.username, url.password, url.database) == (
        postgres_env["POSTGRES_USER"],
        postgres_env["POSTGRES_PASSWORD"],
        postgres_env["POSTGRES_DB"],
    )
    temporal_env = services["temporal"]["environment"]
    assert temporal_env["DB"] == "postgres12" and temporal_env["POSTGRES_SEEDS"] == url.host
    assert (temporal_env["POSTGRES_USER"], temporal_env["POSTGRES_PWD"]) == (url.username, url.password)


def test_commands_are_real_entry_points(services):
    commands = cli_commands()
    for name in APP_SERVICES:
        argv = services[name]["command"]
        if argv[0] == "complaints":
            assert argv[1] in commands, f"{name}: `complaints {argv[1]}` does not exist"
        else:
            assert argv[:1] == ["python"] and (ROOT / argv[1]).is_file(), f"{name}: {argv} runs no repo file"
    health = services["api"]["healthcheck"]["test"]
    assert health == ["CMD", "complaints", "health"] and "health" in commands, "the API is healthy when ready"
    assert services["worker"]["healthcheck"]["test"] == ["CMD", "complaints", "health", "--worker"]
    assert services["worker"]["command"] == ["python", "worker.py"]
    assert services["temporal-setup"]["command"] == ["complaints", "temporal-setup"]


def test_search_attribute_setup_registers_exactly_the_codes_keys():
    """The one-shot runs `complaints temporal-setup`, whose default key list is core.search_attributes.ALL
    (tests/stack/test_cli.py proves it against a real server); the dev server gets the same list."""
    import inspect

    from cli.temporal_setup import register_search_attributes

    assert inspect.signature(register_search_attributes).parameters["keys"].default is None
    flags = search_attributes.cli_flags()
    assert [flag.split("=")[0] for flag in flags[1::2]] == [key.name for key in search_attributes.ALL]


def start_order(services: dict) -> list[str]:
    order, placed = [], set()
    while len(order) < len(services):
        ready = sorted(n for n, s in services.items() if n not in placed and set(s.get("depends_on", {})) <= placed)
        assert ready, f"depends_on has a cycle among {set(services) - placed}"
        order += ready
        placed |= set(ready)
    return order


def test_healthchecks_and_start_order(services):
    conditions = {
        name: dict((dep, spec["condition"]) for dep, spec in s.get("depends_on", {}).items())
        for name, s in services.items()
    }
    for name, deps in conditions.items():
        for dep, condition in deps.items():
            if condition == "service_healthy":
                assert "healthcheck" in services[dep], f"{name} waits for {dep} to be healthy; it has no check"
            if condition == "service_completed_successfully":
                assert services[dep].get("restart") == "no", f"one-shot {dep} must not restart"
    assert conditions["temporal"] == {"postgresql": "service_healthy"}
    assert conditions["migrate"] == {"postgresql": "service_healthy"}
    assert conditions["temporal-setup"] == {"temporal": "service_healthy"}
    for name in ("api", "worker"):
        assert conditions[name] == {
            "temporal": "service_healthy",
            "temporal-setup": "service_completed_successfully",
            "migrate": "service_completed_successfully",
        }, name
    assert conditions["temporal-ui"] == {"temporal": "service_healthy"}
    order = start_order(services)
    assert order.index("postgresql") < order.index("temporal") < order.index("temporal-setup") < order.index("api")
    assert order.index("migrate") < order.index("worker")
    assert all("healthcheck" in services[n] for n in ("postgresql", "temporal", "api"))


def test_the_api_keeps_its_data_dir_on_a_volume(compose, services):
    """The admin's policy edits live in DATA_DIR (api/policy_store.py): a container rebuild must keep them."""
    data_dir = services["api"]["environment"]["DATA_DIR"]
    mounts = dict(volume.split(":")[:2][::-1] for volume in services["api"]["volumes"])
    assert mounts.get(data_dir) in compose["volumes"]


def test_the_worker_scales_by_replicas(services):
    worker = services["worker"]
    assert worker["deploy"]["replicas"] >= 2
    assert "container_name" not in worker and "ports" not in worker, "replicas cannot share a name or port"


def test_temporal_dynamic_config_is_mounted(services):
    temporal = services["temporal"]
    source, target = temporal["volumes"][0].split(":")[:2]
    assert (ROOT / source).is_dir()
    relative = temporal["environment"]["DYNAMIC_CONFIG_FILE_PATH"]
    assert target == "/etc/temporal/" + str(Path(relative).parent)
    assert (ROOT / source / Path(relative).name).is_file()


def test_temporal_ui_decodes_through_the_api_codec(services):
    from api.routes import codec

    ui_env = services["temporal-ui"]["environment"]
    assert ui_env["TEMPORAL_ADDRESS"] == services["api"]["environment"]["TEMPORAL_ADDRESS"]
    endpoint = ui_env["TEMPORAL_CODEC_ENDPOINT"]
    assert endpoint.endswith(codec.router.prefix)
    assert {f"{codec.router.prefix}/decode", f"{codec.router.prefix}/encode"} <= {r.path for r in codec.router.routes}
    ui_published = services["temporal-ui"]["ports"][0].split(":")[0]
    assert services["api"]["environment"]["TEMPORAL_UI_PORT"] == ui_published, "the API's CORS admits the UI"


def dockerfile_lines() -> list[str]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]


def test_dockerfile_builds_from_files_that_exist():
    lines = dockerfile_lines()
    assert lines[0] == "FROM python:3.11-slim"
    for line in lines:
        if line.startswith("COPY") and "--from" not in line:
            for source in line.split()[1:-1]:
                assert (ROOT / source).exists(), f"Dockerfile copies missing {source}"
    copied = {part.rstrip("/") for line in lines if line.startswith("COPY") for part in line.split()[1:-1]}
    assert {"alembic.ini", "migrations", "worker.py", "pyproject.toml"} <= copied
    # Every package the wheel declares must be in the image, or imports fail only in production.
    import tomllib

    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    assert {p.rstrip("*") for p in declared["include"]} <= copied
    installs = [line for line in lines if "pip install" in line]
    assert installs and not any("[dev]" in line for line in installs), "no test dependencies in the image"
    users = [line.split()[1] for line in lines if line.startswith("USER")]
    assert users and users[-1] not in ("root", "0")
    assert re.search(r'CMD \["complaints", "(\w+)"\]', lines[-1])[1] in cli_commands()


def test_dockerignore_keeps_secrets_and_local_state_out():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".env", ".venv", "data", ".git"} <= ignored


def _mounts(service: dict) -> dict[str, Path]:
    """container path -> repository path of a service's bind mounts."""
    binds = [volume.split(":") for volume in service.get("volumes", []) if volume.startswith("./")]
    return {target: ROOT / source for source, target, *_ in binds}


def test_prometheus_scrapes_the_api_and_every_worker_on_their_metrics_ports(services):
    import yaml

    prometheus = services["prometheus"]
    config_path = _mounts(prometheus)["/etc/prometheus/prometheus.yml"]
    assert "--config.file=/etc/prometheus/prometheus.yml" in prometheus["command"]
    jobs = {job["job_name"]: job for job in yaml.safe_load(config_path.read_text())["scrape_configs"]}
    api_env = services["api"]["environment"]
    assert jobs["complaints-api"]["static_configs"][0]["targets"] == [f"api:{api_env['API_METRICS_PORT']}"]
    [workers] = jobs["complaints-worker"]["dns_sd_configs"]
    assert (
        workers["names"] == ["worker"]
        and str(workers["port"]) == services["worker"]["environment"]["WORKER_METRICS_PORT"]
    ), "one target per replica, on the port the worker serves"
    assert api_env["METRICS_HOST"] == "0.0.0.0", "reachable from the prometheus container"
    assert "healthcheck" in prometheus


def test_grafana_is_provisioned_with_the_datasource_and_dashboard_it_shows(services):
    import yaml

    grafana = services["grafana"]
    mounts = _mounts(grafana)
    provisioning = mounts["/etc/grafana/provisioning"]
    [datasource] = yaml.safe_load((provisioning / "datasources" / "prometheus.yml").read_text())["datasources"]
    assert datasource["url"] == "http://prometheus:9090" and "prometheus" in services
    [provider] = yaml.safe_load((provisioning / "dashboards" / "dashboards.yml").read_text())["providers"]
    dashboards_dir = mounts[provider["options"]["path"]]
    dashboard = json.loads((dashboards_dir / "complaints.json").read_text())
    uids = {target["datasource"]["uid"] for panel in dashboard["panels"] for target in panel.get("targets", [])}
    assert uids == {datasource["uid"]}, "every panel queries the provisioned datasource"
    home = Path(grafana["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"])
    assert (mounts[str(home.parent)] / home.name).is_file()
    assert grafana["depends_on"] == {"prometheus": {"condition": "service_healthy"}}
