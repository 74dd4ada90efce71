"""CI guard: every recorded history replays through the current workflow code; an unguarded change fails."""

import json
from pathlib import Path

import pytest

from audit.history import history_from_json, scheduled_records
from audit.replay import replay_many, replay_verdict
from audit.scenarios import SCENARIOS
from audit.state_at import state_at_event, state_at_time
from core.temporal import data_converter
from models.case import TransitionRecord
from tests.audit.incompatible_workflow import PatchedChange, UnguardedChange
from workflows.patches import ALL_PATCHES_AT_ONCE, LATER_PATCHES, PATCHES_AT_START

HISTORIES = Path(__file__).resolve().parent.parent / "histories"
FILES = sorted(HISTORIES.glob("*.json"))


def load(name: str):
    return history_from_json((HISTORIES / f"{name}.json").read_text(encoding="utf-8"))


def test_there_is_one_recorded_history_per_workflow_path():
    assert {f.stem for f in FILES} == set(SCENARIOS)


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
async def test_recorded_history_replays_cleanly(path):
    history = history_from_json(path.read_text(encoding="utf-8"))
    verdict = await replay_verdict(history, data_converter())
    assert verdict.replays_cleanly, verdict.reason


LOCAL_WRITES = [f for f in FILES if f.stem.startswith(("v2_", "v3_"))]


@pytest.mark.parametrize("path", LOCAL_WRITES, ids=[f.stem for f in LOCAL_WRITES])
async def test_every_local_write_is_compared_with_the_record_it_returned(path):
    """Patch `local-step-writes`: no input of a local activity is in history, its returned record is."""
    history = history_from_json(path.read_text(encoding="utf-8"))
    local = _local_activities(history)
    regular = [e for e in history.events if e.HasField("activity_task_scheduled_event_attributes")]
    assert "record_transition" in local and not any(
        e.activity_task_scheduled_event_attributes.activity_type.name in local for e in regular
    )
    verdict = await replay_verdict(history, data_converter())
    assert verdict.replays_cleanly, verdict.reason
    assert verdict.decisions_not_comparable == {}
    # Notifications are messages, not decisions: every other write and every regular activity is compared.
    assert verdict.decisions_compared == len(regular) + sum(1 for name in local if name != "send_notification")


BATCHED = [f for f in FILES if f.stem.startswith(("v5_", "v6_", "v7_"))]


def _local_markers(history) -> list:
    """The marker of every local activity, in order."""
    return [
        e.marker_recorded_event_attributes
        for e in history.events
        if e.HasField("marker_recorded_event_attributes")
        and e.marker_recorded_event_attributes.marker_name == "core_local_activity"
    ]


def _local_activities(history) -> list[str]:
    return [json.loads(m.details["data"].payloads[0].data)["activity_type"] for m in _local_markers(history)]


def _batches(history) -> list[dict]:
    """What each local activity returned: with `batched-step-writes`, the batch it wrote."""
    return [json.loads(m.details["result"].payloads[0].data) for m in _local_markers(history)]


@pytest.mark.parametrize("path", BATCHED, ids=[f.stem for f in BATCHED])
async def test_every_batch_of_a_task_s_writes_is_compared_with_what_it_wrote(path):
    """Patch `batched-step-writes`: one local activity per workflow task, returning the batch it wrote."""
    history = history_from_json(path.read_text(encoding="utf-8"))
    local = _local_activities(history)
    assert local and set(local) == {"record_step_writes"}
    regular = [e for e in history.events if e.HasField("activity_task_scheduled_event_attributes")]
    verdict = await replay_verdict(history, data_converter())
    assert verdict.replays_cleanly, verdict.reason
    assert verdict.decisions_not_comparable == {}
    writes = [
        kind for batch in _batches(history) for write in batch["writes"] for kind, v in write.items() if v is not None
    ]
    # Every write but the notifications (messages, not decisions) and every regular activity is compared.
    assert verdict.decisions_compared == len(regular) + sum(1 for kind in writes if kind != "notification")
    records = await scheduled_records(history, data_converter())
    assert records and records[0].record.action == "filed"
    assert [r.record.seq for r in records] == list(range(1, len(records) + 1))  # every record, in order


PATCHES_FIRST = [f for f in FILES if f.stem.startswith(("v4_", "v5_"))]


def _patch_markers_of_the_first_workflow_task(history) -> list[str]:
    first_completed = next(e.event_id for e in history.events if e.HasField("workflow_task_completed_event_attributes"))
    second_started = next(
        e.event_id
        for e in history.events
        if e.HasField("workflow_task_started_event_attributes") and e.event_id > first_completed
    )
    return [
        json.loads(e.marker_recorded_event_attributes.details["patch-data"].payloads[0].data)["id"]
        for e in history.events
        if first_completed < e.event_id < second_started
        and e.HasField("marker_recorded_event_attributes")
        and e.marker_recorded_event_attributes.marker_name == "core_patch"
    ]


@pytest.mark.parametrize("path", PATCHES_FIRST, ids=[f.stem for f in PATCHES_FIRST])
def test_a_case_started_with_patches_at_start_records_every_patch_before_its_first_activity(path):
    """Patch `patches-at-start`: a patch asked later, after a local activity, could be answered differently
    on replay than live (docs/VERSIONING.md); a case started with it records every marker up front."""
    history = history_from_json(path.read_text(encoding="utf-8"))
    markers = _patch_markers_of_the_first_workflow_task(history)
    assert PATCHES_AT_START in markers and set(LATER_PATCHES) <= set(markers)
    first_activity = next(e.event_id for e in history.events if e.HasField("activity_task_scheduled_event_attributes"))
    last_marker = max(
        e.event_id
        for e in history.events
        if e.HasField("marker_recorded_event_attributes")
        and e.marker_recorded_event_attributes.marker_name == "core_patch"
    )
    assert last_marker < first_activity


ONE_MARKER = [f for f in FILES if f.stem.startswith("v6_")]


@pytest.mark.parametrize("path", ONE_MARKER, ids=[f.stem for f in ONE_MARKER])
def test_a_case_started_with_all_patches_at_once_records_one_patch_marker_and_one_version_upsert(path):
    """Patch `all-patches-at-once`: one marker, and so one TemporalChangeVersion upsert, where a v5 case has
    thirteen of each; its replay (test_recorded_history_replays_cleanly) takes every patched path without them."""
    history = history_from_json(path.read_text(encoding="utf-8"))
    markers = [
        json.loads(e.marker_recorded_event_attributes.details["patch-data"].payloads[0].data)["id"]
        for e in history.events
        if e.HasField("marker_recorded_event_attributes")
        and e.marker_recorded_event_attributes.marker_name == "core_patch"
    ]
    version_upserts = [
        e
        for e in history.events
        if e.HasField("upsert_workflow_search_attributes_event_attributes")
        and "TemporalChangeVersion"
        in e.upsert_workflow_search_attributes_event_attributes.search_attributes.indexed_fields
    ]
    assert (markers, len(version_upserts)) == ([ALL_PATCHES_AT_ONCE], 1)
    assert _patch_markers_of_the_first_workflow_task(history) == [ALL_PATCHES_AT_ONCE]


def _commands_but_patches(history) -> list[str]:
    """What the case did, command by command, without the patch markers and TemporalChangeVersion upserts.
    Events the server adds (workflow tasks, activity starts and results, timers firing) are left out: where
    they fall depends on the recording's timing, not on the code."""
    out = []
    for e in history.events:
        kind = e.WhichOneof("attributes") or ""
        if kind.startswith(("workflow_task_", "activity_task_started", "activity_task_completed", "timer_fired")):
            continue
        if kind == "marker_recorded_event_attributes":
            if e.marker_recorded_event_attributes.marker_name == "core_patch":
                continue
            kind += (
                ":" + json.loads(e.marker_recorded_event_attributes.details["data"].payloads[0].data)["activity_type"]
            )
        elif kind == "upsert_workflow_search_attributes_event_attributes":
            fields = e.upsert_workflow_search_attributes_event_attributes.search_attributes.indexed_fields
            if set(fields) == {"TemporalChangeVersion"}:
                continue
        elif kind == "activity_task_scheduled_event_attributes":
            kind += ":" + e.activity_task_scheduled_event_attributes.activity_type.name
        elif kind == "workflow_execution_update_accepted_event_attributes":
            kind += ":" + e.workflow_execution_update_accepted_event_attributes.accepted_request.input.name
        out.append(kind)
    return out


@pytest.mark.parametrize("path", ONE_MARKER, ids=[f.stem for f in ONE_MARKER])
def test_one_marker_for_all_patches_takes_the_same_path_as_a_marker_for_each(path):
    """The same scenario under v5 (13 markers) and v6 (one): the same activities, local activities, updates
    and timers in the same order, so every patch ALL_PATCHES_AT_ONCE stands for was taken."""
    v6 = history_from_json(path.read_text(encoding="utf-8"))
    v5 = load("v5_" + path.stem.removeprefix("v6_"))
    assert _commands_but_patches(v6) == _commands_but_patches(v5)


THROUGH_FREE_LOCK = [f for f in FILES if f.stem.startswith("v7_")]


def _written(history) -> list[str]:
    """Every write of every batch, in order: (kind, action or template)."""
    return [
        f"{kind}:{v.get('action') or v.get('template') or ''}"
        for batch in _batches(history)
        for write in batch["writes"]
        for kind, v in write.items()
        if v
    ]


@pytest.mark.parametrize("path", THROUGH_FREE_LOCK, ids=[f.stem for f in THROUGH_FREE_LOCK])
def test_keeping_the_buffer_through_a_free_lock_writes_the_same_in_fewer_batches(path):
    """Patch `batch-through-free-lock`: the same commands as the v6 twin but for the batches, the same writes in
    the same order, in no more batches (fewer where a write came just before a lock)."""
    v7 = history_from_json(path.read_text(encoding="utf-8"))
    v6 = load("v6_" + path.stem.removeprefix("v7_"))

    def without_batches(history) -> list[str]:
        return [c for c in _commands_but_patches(history) if c != "marker_recorded_event_attributes:record_step_writes"]

    assert without_batches(v7) == without_batches(v6)
    assert _written(v7) == _written(v6)
    assert len(_local_activities(v7)) <= len(_local_activities(v6))


def test_keeping_the_buffer_through_a_free_lock_saves_a_batch_on_the_full_case():
    assert len(_local_activities(load("v7_tier1_resolved"))) == len(_local_activities(load("v6_tier1_resolved"))) - 1


async def test_an_unguarded_change_makes_replay_fail_at_the_first_disagreeing_event():
    history = load("tier1_resolved")
    verdict = await replay_verdict(history, data_converter(), workflows=[UnguardedChange])
    assert not verdict.replays_cleanly
    first_command = next(e for e in history.events if e.HasField("activity_task_scheduled_event_attributes"))
    assert (verdict.diverged_at_event, verdict.diverged_event_type) == (
        first_command.event_id,
        "activity_task_scheduled",
    )
    assert "Nondeterminism" in verdict.reason


async def test_the_same_change_behind_workflow_patched_replays_cleanly():
    verdict = await replay_verdict(load("tier1_resolved"), data_converter(), workflows=[PatchedChange])
    assert verdict.replays_cleanly, verdict.reason


async def test_state_after_each_audited_event_is_the_snapshot_the_workflow_recorded():
    converter = data_converter()
    history = load("tier3_reopened_then_closed_by_supervisor")
    records = await scheduled_records(history, converter)
    for scheduled in records[::4] + records[-1:]:
        at = await state_at_event(history, scheduled.event_id, converter)
        assert at.state == scheduled.record.snapshot, scheduled.record.action


@pytest.mark.parametrize(
    "name", ["v5_tier3_reopened_then_closed_by_supervisor", "v5_counterfeit_escalated_once_penalised_at_tier1"]
)
async def test_state_at_a_batch_has_every_record_of_the_batch(name):
    """With `batched-step-writes` a workflow task's records share its one marker. The state at that event is the
    state the replay reaches there: every record of the batch has happened (its offers made, its escalations
    taken, its decisions the recorded ones), and the task may have gone on (a suggestion refreshed, the next
    saga step begun). Each record's own snapshot stays the state right after its transition."""
    converter = data_converter()
    history = load(name)
    last_of: dict[int, TransitionRecord] = {}
    for scheduled in await scheduled_records(history, converter):
        last_of[scheduled.event_id] = scheduled.record
    assert len(last_of) > 10
    for event_id, record in last_of.items():
        at = await state_at_event(history, event_id, converter)
        recorded = record.snapshot
        assert at.matches_recorded_decisions, record.action
        assert at.state.escalation_level >= recorded.escalation_level, record.action
        offers = [o.offer_id for o in at.state.offers]
        assert offers[: len(recorded.offers)] == [o.offer_id for o in recorded.offers], record.action


async def test_state_at_a_time_is_the_state_after_the_last_event_before_it():
    converter = data_converter()
    history = load("tier1_resolved")
    records = await scheduled_records(history, converter)
    offer = next(r for r in records if r.record.action == "offer_made")
    at = await state_at_time(history, offer.record.at, converter)
    assert at.event_time <= offer.record.at
    assert at.state.offers and at.state.offers[-1].offer_id == offer.record.snapshot.offers[-1].offer_id


async def test_state_at_the_time_of_a_local_record_includes_the_step_it_records():
    """With `local-step-writes` the step and its record share one workflow task, stamped with its start."""
    converter = data_converter()
    history = load("v3_tier1_resolved")
    records = await scheduled_records(history, converter)
    offer = next(r for r in records if r.record.action == "offer_made")
    at = await state_at_time(history, offer.record.at, converter)
    assert at.state.offers and at.state.offers[-1].offer_id == offer.record.snapshot.offers[-1].offer_id


async def test_state_before_the_first_workflow_task_says_so():
    at = await state_at_event(load("withdrawn_in_classification"), 1, data_converter())
    assert at.event_id > 1 and at.note and at.state.stage.value == "intake"


async def test_bulk_replay_reports_progress_and_names_every_diverged_and_unavailable_case():
    histories = [history_from_json(f.read_text(encoding="utf-8")) for f in FILES]
    seen = []

    async def stream():
        for history in histories:
            yield history
        yield "CMP-gone-1", "no case 'CMP-gone-1'"

    summary = await replay_many(stream(), data_converter(), on_result=seen.append, workflows=[UnguardedChange])
    assert len(seen) == len(FILES) + 1 and seen[-1] is None
    assert (summary.replayed, summary.clean, summary.diverged, summary.unavailable) == (len(FILES), 0, len(FILES), 1)
    assert {v.workflow_id for v in summary.diverged_cases} == {h.workflow_id for h in histories}
    # The first command: an activity, or the patch marker of a history recorded with `local-step-writes`.
    first_command = {h.workflow_id: next(e for e in h.events if _is_command(e)).event_id for h in histories}
    assert all(v.diverged_at_event == first_command[v.workflow_id] for v in summary.diverged_cases)
    assert summary.unavailable_cases == {"CMP-gone-1": "no case 'CMP-gone-1'"}


def _is_command(event) -> bool:
    return event.HasField("activity_task_scheduled_event_attributes") or event.HasField(
        "marker_recorded_event_attributes"
    )
