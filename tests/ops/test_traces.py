"""One agent action is one connected trace: HTTP request -> workflow update -> activity -> SQL statement."""

from opentelemetry.sdk.trace import ReadableSpan

from tests.api.conftest import make_party
from tests.api.flow import act, file_case, wait_stage


def _ancestors(span: ReadableSpan, by_id: dict[int, ReadableSpan]) -> list[str]:
    names = []
    while span.parent is not None and span.parent.span_id in by_id:
        span = by_id[span.parent.span_id]
        names.append(span.name)
    return names


async def test_an_agent_action_yields_one_trace_from_http_to_the_database(observed):
    api = observed.api
    party = make_party(api.engine)
    cid = (await file_case(api, party))["complaint_id"]
    await wait_stage(api, cid, "classification")
    observed.spans.clear()

    reviewed = await act(api, cid, "classification-review", {"confirm": True}, "U-agent1")
    assert reviewed.status_code == 200, reviewed.text
    await wait_stage(api, cid, "evidence")

    spans = observed.spans.get_finished_spans()
    [http] = [
        s for s in spans if s.name == "POST /complaints/{complaint_id}/classification-review" and s.parent is None
    ]
    trace = [s for s in spans if s.context.trace_id == http.context.trace_id]
    by_id = {s.context.span_id: s for s in trace}
    names = {s.name for s in trace}
    assert any(n.startswith("StartWorkflowUpdate:") for n in names), names
    assert any(n.startswith("HandleUpdate:") for n in names), sorted(names)
    # The step's writes, one local activity (patch batched-step-writes), hold its audit record.
    activity_runs = [s for s in trace if s.name == "RunActivity:record_step_writes"]
    assert activity_runs, names
    # The activity's own SQL statements belong to the same trace, under its RunActivity span.
    statements = [
        s
        for s in trace
        if s.attributes and "db.statement" in s.attributes and "RunActivity:record_step_writes" in _ancestors(s, by_id)
    ]
    assert statements, sorted(names)
    assert all(_ancestors(s, by_id)[-1] == http.name for s in trace if s is not http), "one tree, one root"
    # The instrumentation records statements, never their parameters.
    assert not any("db.statement.parameters" in (s.attributes or {}) for s in trace)
