"""Metrics: the worker's SDK exporter, the API's request metrics and business figures, all really exported;
and the provisioned Grafana dashboard asks only for metrics that exist."""

import json
import re
from pathlib import Path

import httpx
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from observability.business import FAMILIES
from tests.api.conftest import make_party
from tests.api.flow import act, evidence, file_case, wait_stage
from tests.ops.conftest import evidence_store_fails

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "deploy" / "grafana" / "dashboards" / "complaints.json"
SUFFIXES = {
    "counter": ("_total",),
    "histogram": ("_bucket", "_sum", "_count"),
    "gauge": ("",),
    "summary": ("", "_sum", "_count"),
}


def exported_names(text: str) -> dict[str, dict[tuple, float]]:
    """Every sample name a scrape offers (families without samples yet: the names their type will have)."""
    names: dict[str, dict[tuple, float]] = {}
    for family in text_string_to_metric_families(text):
        for suffix in SUFFIXES.get(family.type, ("",)):
            names.setdefault(family.name + suffix, {})
        for sample in family.samples:
            names.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return names


async def drive_one_case(observed) -> str:
    """Filing, an agent's review and a piece of evidence whose record fails in the database (so the worker's
    failure counters exist too), once on each write path: the evidence row is a local activity by default
    and a regular one with WORKFLOW_LOCAL_WRITES off, and each has its own failure counter."""
    settings = observed.api.settings
    default = settings.workflow_local_writes
    try:
        for local in (True, False):
            settings.workflow_local_writes = local
            cid = await _drive_one_case(observed)
    finally:
        settings.workflow_local_writes = default
    return cid


async def _drive_one_case(observed) -> str:
    api = observed.api
    party = make_party(api.engine)
    cid = (await file_case(api, party))["complaint_id"]
    await wait_stage(api, cid, "classification")
    reviewed = await act(api, cid, "classification-review", {"confirm": True}, "U-agent1")
    assert reviewed.status_code == 200, reviewed.text
    with evidence_store_fails(api.engine):
        refused = await act(
            api, cid, "evidence", {"party": "consumer", "item": evidence("m")}, party.consumer_user, party
        )
    assert refused.status_code == 422, refused.text  # a permanent data error: the step is refused
    return cid


async def scrape(observed) -> tuple[dict, dict]:
    async with httpx.AsyncClient(timeout=10) as http:
        worker = exported_names((await http.get(observed.worker_metrics_url)).text)
    api = exported_names(generate_latest(observed.api.app.state.metrics_registry).decode())
    return worker, api


async def test_the_worker_api_and_business_metrics_are_exported(observed):
    await drive_one_case(observed)
    worker, api = await scrape(observed)
    assert "temporal_workflow_task_schedule_to_start_latency_bucket" in worker, sorted(worker)
    assert "temporal_activity_execution_latency_bucket" in worker and "temporal_worker_task_slots_available" in worker

    route = "/complaints/{complaint_id}/classification-review"
    requests = api["http_requests_total"]
    assert any(dict(labels).get("handler") == route and dict(labels).get("status") == "200" for labels in requests), (
        requests
    )
    assert any(
        dict(labels).get("status") == "200" and dict(labels).get("handler") == route
        for labels in api["http_request_duration_seconds_count"]
    )
    assert api["complaints_business_metrics_up"] == {(): 1.0}
    open_cases = {dict(labels)["stage"]: value for labels, value in api["complaints_open_cases"].items()}
    assert open_cases.get("evidence", 0) >= 1, open_cases


def dashboard_queries() -> list[tuple[str, str]]:
    dashboard = json.loads(DASHBOARD.read_text())
    panels = [p for row in dashboard["panels"] for p in [row, *row.get("panels", [])]]
    return [(panel["title"], target["expr"]) for panel in panels for target in panel.get("targets", [])]


PROMQL_WORDS = {
    "sum",
    "rate",
    "irate",
    "increase",
    "histogram_quantile",
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "avg",
    "max",
    "min",
    "count",
    "topk",
    "bottomk",
    "and",
    "or",
    "unless",
    "le",
    "clamp_min",
    "clamp_max",
    "abs",
    "vector",
    "time",
    "delta",
    "deriv",
    "offset",
    "label_replace",
    "sort_desc",
    "avg_over_time",
    "max_over_time",
    "up",
    "bool",
    "absent",
}


def metric_names(expr: str) -> set[str]:
    without_labels = re.sub(r"\{[^}]*\}", "", re.sub(r'"[^"]*"', '""', expr))
    without_ranges = re.sub(r"\[[^\]]*\]", "", without_labels)
    without_ranges = re.sub(r"(?<![\w.])\d+(?:\.\d+)?(?:e[-+]?\d+)?", "", without_ranges)  # numbers: 0.95, 1e-9
    words = set(re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", without_ranges))
    grouping = set(re.findall(r"(?:by|without|on|ignoring)\s*\(([^)]*)\)", without_ranges))
    labels = {w.strip() for group in grouping for w in group.split(",")}
    return {w for w in words if w not in PROMQL_WORDS and w not in labels}


async def test_every_dashboard_panel_asks_for_metrics_the_code_exports(observed):
    await drive_one_case(observed)
    worker, api = await scrape(observed)
    business = {name + suffix for name, (kind, _) in FAMILIES.items() for suffix in SUFFIXES[kind]}
    exported = set(worker) | set(api) | business
    queries = dashboard_queries()
    assert len(queries) >= 10
    titles = " ".join(title for title, _ in queries).lower()
    for figure in ("open cases", "sla", "offers", "money", "survey", "request", "worker"):
        assert figure in titles, f"no panel about {figure}"
    unknown = {(title, name) for title, expr in queries for name in metric_names(expr) if name not in exported}
    assert not unknown, unknown
    # Every label a panel groups by is one those metrics really carry (where the scrape has samples).
    samples = {**worker, **api}
    for title, expr in queries:
        grouped = {w.strip() for g in re.findall(r"by \(([^)]*)\)", expr) for w in g.split(",")} - {"le"}
        carried = {key for name in metric_names(expr) for labels in samples.get(name, {}) for key, _ in labels}
        if carried:
            assert grouped <= carried, (title, grouped - carried)
    assert metric_names('sum by (stage) (rate(http_requests_total{handler="/x"}[5m])) / 1e-9') == {
        "http_requests_total"
    }
