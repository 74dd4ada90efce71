"""Logs carry the case (complaint id, workflow id, trace id) and never the person: a case full of distinctive
personal data goes through a database failure of its evidence record, on SQLite and on PostgreSQL, and
nothing of that data reaches the logs (text and JSON), the API's answer, the failure kept in Temporal's
history or a span."""

import io
import json
import logging

import pytest
from sqlalchemy import create_engine, text

from observability.logs import make_handler
from tests.api.conftest import make_party
from tests.api.flow import act, evidence, file_case, wait_stage
from tests.ops.conftest import evidence_store_fails
from workflows.ids import workflow_id

NAME = "Zebediah Quuxworth"
PHONE = "+86 139 0427 5518"
EMAIL = "zebediah.quuxworth@example.test"
ADDRESS = "42 Wobbleford Lane"
STORY = "Zebediah's grinder 碎了 at 42 Wobbleford Lane"
PERSONAL = (NAME, PHONE, EMAIL, ADDRESS, STORY, "Quuxworth", "Wobbleford", "0427 5518")


@pytest.fixture
def captured():
    root = logging.getLogger()
    streams = {"text": io.StringIO(), "json": io.StringIO()}
    handlers = [make_handler(stream, fmt) for fmt, stream in streams.items()]  # type: ignore[arg-type]
    previous = root.level
    root.setLevel(logging.INFO)
    for handler in handlers:
        root.addHandler(handler)
    yield streams
    for handler in handlers:
        root.removeHandler(handler)
    root.setLevel(previous)


def personal_in(blob: str) -> list[str]:
    return [value for value in PERSONAL if value in blob]


async def test_a_failing_evidence_record_logs_the_case_but_no_personal_data(observed_on_each_database, captured):
    observed = observed_on_each_database
    api, engine = observed.api, observed.engine
    party = make_party(engine)
    contact = {"name": NAME, "phone": PHONE, "email": EMAIL, "address": ADDRESS}
    cid = (await file_case(api, party, description=STORY, contact=contact))["complaint_id"]
    await wait_stage(api, cid, "classification")
    # An override, not a confirm: the classifier may leave a text this odd to the agent (needs_agent).
    review = {
        "confirm": False,
        "type": "quality_defect",
        "dispute_class": "quality",
        "severity": "B",
        "reason": "grinder broke in use",
    }
    assert (await act(api, cid, "classification-review", review, "U-agent1")).status_code == 200
    item = {**evidence("pii"), "description": f"{STORY}; call {NAME} on {PHONE} or {EMAIL}"}
    with evidence_store_fails(engine):
        response = await act(api, cid, "evidence", {"party": "consumer", "item": item}, party.consumer_user, party)
    # A constraint the row breaks is a permanent data error: the step is rolled back and refused.
    assert response.status_code == 422 and response.json()["error"]["code"] == "step_failed", response.text
    assert personal_in(response.text) == []

    logs = captured["text"].getvalue()
    failure = [line for line in logs.splitlines() if "Completing activity as failed" in line]
    assert failure, logs[-3000:]
    assert "evidence_store_offline" in logs or "evidence store offline" in logs, "the failure itself is logged"
    assert f"complaint={cid}" in failure[0] and f"workflow={workflow_id(cid)}" in failure[0], failure[0]
    records = [json.loads(line) for line in captured["json"].getvalue().splitlines()]
    [failed] = [r for r in records if r["message"].startswith("Completing activity as failed")][:1]
    assert (failed["complaint_id"], failed["workflow_id"]) == (cid, workflow_id(cid))
    assert failed["level"] == "WARNING"
    [traced] = [r for r in records if r["logger"] == "observability.activities"][:1]
    # The evidence row is written with the step's other writes, in one batch (patch batched-step-writes).
    assert "record_step_writes: database error" in traced["message"] and len(traced["trace_id"] or "") == 32
    assert (traced["complaint_id"], traced["workflow_id"]) == (cid, workflow_id(cid))

    assert personal_in(logs) == [] and personal_in(captured["json"].getvalue()) == []

    failures = []
    async for event in api.app.state.temporal.connected.get_workflow_handle(workflow_id(cid)).fetch_history_events():
        if event.HasField("activity_task_failed_event_attributes"):
            failures.append(str(event.activity_task_failed_event_attributes.failure))
        # A retried attempt's failure is kept on the next attempt's start event instead.
        if event.activity_task_started_event_attributes.HasField("last_failure"):
            failures.append(str(event.activity_task_started_event_attributes.last_failure))
        # A local activity's (WORKFLOW_LOCAL_WRITES, the default) is kept in its marker.
        if event.marker_recorded_event_attributes.HasField("failure"):
            failures.append(str(event.marker_recorded_event_attributes.failure))
    assert failures and "evidence" in failures[0] and personal_in("\n".join(failures)) == []
    assert "Failing row" not in "\n".join(failures), "no DETAIL line in the stored failure or its causes"
    leaking = [
        (s.name, s.status.description, [e.attributes for e in s.events])
        for s in observed.spans.get_finished_spans()
        if personal_in(f"{s.status.description} {[e.attributes for e in s.events]}")
    ]
    assert leaking == []


def test_without_the_defences_that_failure_would_carry_the_data(observed_on_each_database):
    """Guards the guard: the same failed INSERT through an engine that shows parameters leaks the text."""
    engine = create_engine(observed_on_each_database.engine.url)
    with evidence_store_fails(observed_on_each_database.engine), pytest.raises(Exception) as raised:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO evidence_item (id, complaint_id, party, kind, description, attachment_ref,"
                    " sha256, submitted_by, submitted_at) VALUES ('x', 'nope', 'consumer', 'photo', :d,"
                    " 'ref', 'h', 'u', CURRENT_TIMESTAMP)"
                ),
                {"d": STORY},
            )
    engine.dispose()
    assert STORY in str(raised.value)
