"""CI guard: every recorded history replays through the current workflow code; an unguarded change fails."""

from pathlib import Path

import pytest

from audit.history import history_from_json, scheduled_records
from audit.replay import replay_many, replay_verdict
from audit.scenarios import SCENARIOS
from audit.state_at import state_at_event, state_at_time
from core.temporal import data_converter
from tests.audit.incompatible_workflow import PatchedChange, UnguardedChange

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


async def test_state_at_a_time_is_the_state_after_the_last_event_before_it():
    converter = data_converter()
    history = load("tier1_resolved")
    records = await scheduled_records(history, converter)
    offer = next(r for r in records if r.record.action == "offer_made")
    at = await state_at_time(history, offer.record.at, converter)
    assert at.event_time <= offer.record.at
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
    assert all(v.diverged_event_type == "activity_task_scheduled" for v in summary.diverged_cases)
    assert summary.unavailable_cases == {"CMP-gone-1": "no case 'CMP-gone-1'"}
