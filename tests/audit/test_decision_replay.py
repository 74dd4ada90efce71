"""A clean replay means the same decisions: decision-only code changes are caught at the right event.

Each change below is injected into the policy code with monkeypatch. None changes a workflow command, so
Temporal's replayer alone would call every history clean; the decision comparison must name the event,
the timeline entry, the field, the recorded value and the replayed value.
"""

from pathlib import Path

import pytest

from audit.history import history_from_json, scheduled_records
from audit.replay import replay_verdict
from audit.state_at import state_at_event
from core.temporal import data_converter
from tests.audit import changed_policy_code as change

HISTORIES = Path(__file__).resolve().parent.parent / "histories"


def load(name: str):
    return history_from_json((HISTORIES / f"{name}.json").read_text(encoding="utf-8"))


def scheduled(history, activity: str, predicate=lambda attrs: True) -> int:
    """The event id of the first scheduled `activity` whose attributes satisfy `predicate`."""
    for event in history.events:
        attrs = event.activity_task_scheduled_event_attributes
        if (
            event.HasField("activity_task_scheduled_event_attributes")
            and attrs.activity_type.name == activity
            and predicate(attrs)
        ):
            return event.event_id
    raise AssertionError(f"no {activity} in the history")


async def verdict_under_change(name: str):
    history = load(name)
    verdict = await replay_verdict(history, data_converter())
    assert verdict.commands_match, "a decision-only change must not change commands"
    assert not verdict.replays_cleanly
    return history, verdict


async def test_a_doubled_gift_coupon_is_a_divergence_at_the_first_tier2_offer(monkeypatch):
    change.doubled_gift_coupon(monkeypatch)
    history, verdict = await verdict_under_change("tier3_reopened_then_closed_by_supervisor")
    records = await scheduled_records(history, data_converter())
    offer = next(
        r for r in records if r.record.action == "offer_made" and r.record.details["tier"] == "refund_plus_gift"
    )
    recorded = offer.record.details["gift_coupon_minor"]
    first = verdict.decision_divergences[0]
    assert first.activity == "record_offer" and first.event_id < offer.event_id
    assert (first.timeline_seq, first.timeline_action) == (offer.record.seq, "offer_made")
    assert [(d.field, d.recorded, d.replayed) for d in first.differences] == [
        ("offer.gift_coupon_minor", recorded, 2 * recorded)
    ]
    assert verdict.diverged_at_event == first.event_id
    assert (
        f"offer.gift_coupon_minor was {recorded} in the recorded case, the current code gives {2 * recorded}"
        in verdict.reason
    )
    narrated = next(d for d in verdict.decision_divergences if d.event_id == offer.event_id)
    assert {"details.gift_coupon_minor", "snapshot.offers[1].gift_coupon_minor"} <= {
        d.field for d in narrated.differences
    }


async def test_state_at_an_event_after_the_change_says_it_is_not_what_the_case_had(monkeypatch):
    change.doubled_gift_coupon(monkeypatch)
    history = load("tier3_reopened_then_closed_by_supervisor")
    records = await scheduled_records(history, data_converter())
    offer = next(
        r for r in records if r.record.action == "offer_made" and r.record.details["tier"] == "refund_plus_gift"
    )
    at = await state_at_event(history, offer.event_id, data_converter())
    recorded = offer.record.snapshot.offers[-1].gift_coupon_minor
    assert at.state.offers[-1].gift_coupon_minor == 2 * recorded
    assert not at.matches_recorded_decisions and "NOT what the case had" in at.note
    assert at.recorded_state.offers[-1].gift_coupon_minor == recorded
    monkeypatch.undo()
    clean = await state_at_event(history, offer.event_id, data_converter())
    assert clean.matches_recorded_decisions and clean.recorded_state is None and clean.note is None


async def test_a_later_deadline_is_a_divergence_at_the_first_record_carrying_a_clock(monkeypatch):
    change.later_deadlines(monkeypatch)
    history, verdict = await verdict_under_change("tier1_resolved")
    first = verdict.decision_divergences[0]
    assert first.event_id == scheduled(history, "record_transition") and first.timeline_action == "filed"
    assert first.differences[0].field.startswith("snapshot.clocks[0].due_at")
    assert first.differences[0].recorded != first.differences[0].replayed


async def test_a_changed_classification_keyword_is_a_divergence_at_the_suggestion(monkeypatch):
    change.changed_keyword(monkeypatch, "cracked", "crackd")
    history, verdict = await verdict_under_change("tier1_resolved")
    records = await scheduled_records(history, data_converter())
    suggested = next(r for r in records if r.record.action == "classification_suggested")
    first = verdict.decision_divergences[0]
    assert (first.event_id, first.timeline_action) == (suggested.event_id, "classification_suggested")
    rules = next(d for d in first.differences if d.field.startswith("details.suggested.rules_fired"))
    assert "keyword 'cracked'" in str(rules.recorded) and "cracked" not in str(rules.replayed)


async def test_a_changed_penalty_percent_is_a_divergence_at_the_penalty(monkeypatch):
    change.changed_penalty_percent(monkeypatch, 60)
    history, verdict = await verdict_under_change("tier3_reopened_then_closed_by_supervisor")
    first = verdict.decision_divergences[0]
    assert (first.event_id, first.activity) == (scheduled(history, "apply_penalty"), "apply_penalty")
    assert first.timeline_action == "penalty"
    deduction = next(d for d in first.differences if d.field == "deduction_minor")
    assert deduction.recorded == 10000 and deduction.replayed == 11940  # 60% of 19900, above the 10000 minimum


@pytest.mark.parametrize("name", ["tier1_resolved", "food_safety_fast_path"])
async def test_unchanged_code_compares_every_decision_and_finds_none(name):
    verdict = await replay_verdict(load(name), data_converter())
    assert verdict.replays_cleanly and verdict.decision_divergences == []
    history = load(name)
    activities = sum(1 for e in history.events if e.HasField("activity_task_scheduled_event_attributes"))
    local = sum(
        1
        for e in history.events
        if e.HasField("marker_recorded_event_attributes")
        and e.marker_recorded_event_attributes.marker_name == "core_local_activity"
    )
    # Without audit rows, a local activity's input (not in the history) is counted, never silently skipped.
    assert verdict.decisions_compared == activities and sum(verdict.decisions_not_comparable.values()) == local


async def test_bulk_replay_counts_a_decision_only_change_as_diverged(monkeypatch):
    from audit.replay import replay_many

    change.doubled_gift_coupon(monkeypatch)
    names = ["tier1_resolved", "tier2_no_survey_answer"]

    async def stream():
        for name in names:
            yield load(name)

    summary = await replay_many(stream(), data_converter())
    assert (summary.replayed, summary.clean, summary.diverged) == (2, 1, 1)  # tier 1 offers no gift
    diverged = summary.diverged_cases[0]
    assert diverged.commands_match and diverged.decision_divergences[0].activity == "record_offer"


def test_an_added_or_dropped_empty_field_is_not_a_changed_decision():
    from audit.json_fields import json_differences

    assert json_differences({"refund_minor": 100}, {"refund_minor": 100, "note": "", "extra": None}) == []
    assert json_differences({"refund_minor": 100, "tags": []}, {"refund_minor": 100}) == []
    changed = json_differences({"offer": {"refund_minor": 100}}, {"offer": {"refund_minor": 90, "reship": True}})
    assert [(d.field, d.recorded, d.replayed) for d in changed] == [
        ("offer.refund_minor", 100, 90),
        ("offer.reship", "<absent>", True),
    ]
