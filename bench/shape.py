"""The shape of a case as Temporal sees it: per update, the activities, timers and upserts it caused.

Read from a real project history, it is what the bare workflow replays with no business logic, so the
ratio project / bare compares the same amount of engine work. The history is cut at each accepted
update; within a segment, activities scheduled before the update completed ran in its handler. Local
activities (their markers) are counted apart: the bare workflow runs them as local activities too.

`minimal_shape_of` keeps only what a full case must make durable: its updates, the money activities
(freeze the deposit, move the refund, unfreeze) and the timers that really fire (the survey delay).
"""

from collections import Counter

from pydantic import BaseModel
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import WorkflowHistory

E = EventType


# The activities that move or hold money: the only ones a minimal durable case keeps.
MONEY_ACTIVITIES = frozenset({"freeze_deposit", "move_money", "unfreeze_deposit"})
LOCAL_ACTIVITY_MARKER = "core_local_activity"


class Segment(BaseModel):
    update: str
    handler_activities: int = 0
    after_activities: int = 0
    handler_local_activities: int = 0
    after_local_activities: int = 0
    timers_started: int = 0
    timers_fired: list[float] = []  # seconds: timers that ran out (the survey delay), in order
    upserts: int = 0


class Shape(BaseModel):
    segments: list[Segment]

    def totals(self) -> dict[str, int]:
        return {
            "updates": len(self.segments),
            "activities": sum(s.handler_activities + s.after_activities for s in self.segments),
            "local_activities": sum(s.handler_local_activities + s.after_local_activities for s in self.segments),
            "timers": sum(s.timers_started for s in self.segments),
            "timers_fired": sum(len(s.timers_fired) for s in self.segments),
            "upserts": sum(s.upserts for s in self.segments),
        }


_COUNTED = {
    E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
    E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
    E.EVENT_TYPE_MARKER_RECORDED,
    E.EVENT_TYPE_TIMER_STARTED,
    E.EVENT_TYPE_TIMER_FIRED,
    E.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
}


def shape_of(history: WorkflowHistory) -> Shape:
    return _cut(history, minimal=False)


def minimal_shape_of(history: WorkflowHistory) -> Shape:
    """The same updates, only the money activities and only the timers that fired; no upserts."""
    return _cut(history, minimal=True)


def _cut(history: WorkflowHistory, *, minimal: bool) -> Shape:
    segments: list[Segment] = []
    in_handler = False
    timer_durations: dict[int, float] = {}
    for event in history.events:
        kind = event.event_type
        if kind == E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
            name = event.workflow_execution_update_accepted_event_attributes.accepted_request.input.name
            segments.append(Segment(update=name))
            in_handler = True
            continue
        if kind not in _COUNTED:
            continue
        if not segments:
            segments.append(Segment(update=""))  # work before the first update (none when filed with start)
        current = segments[-1]
        if kind == E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED:
            in_handler = False
        elif kind == E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            name = event.activity_task_scheduled_event_attributes.activity_type.name
            if minimal and name not in MONEY_ACTIVITIES:
                continue
            if in_handler:
                current.handler_activities += 1
            else:
                current.after_activities += 1
        elif kind == E.EVENT_TYPE_MARKER_RECORDED:
            if minimal or event.marker_recorded_event_attributes.marker_name != LOCAL_ACTIVITY_MARKER:
                continue
            if in_handler:
                current.handler_local_activities += 1
            else:
                current.after_local_activities += 1
        elif kind == E.EVENT_TYPE_TIMER_STARTED:
            timer_durations[event.event_id] = _seconds(event)
            if not minimal:
                current.timers_started += 1
        elif kind == E.EVENT_TYPE_TIMER_FIRED:
            started = event.timer_fired_event_attributes.started_event_id
            current.timers_fired.append(round(timer_durations.get(started, 0.0), 3))
            if minimal:
                current.timers_started += 1
        elif kind == E.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES and not minimal:
            current.upserts += 1
    return Shape(segments=segments)


def _seconds(event: HistoryEvent) -> float:
    return event.timer_started_event_attributes.start_to_fire_timeout.ToTimedelta().total_seconds()


def event_counts(history: WorkflowHistory) -> Counter:
    """Activities (regular and local), updates, upserts and timers of one history.

    Timers started depend on timing (an update landing in the same workflow task as a timer's restart
    saves a start/cancel pair), so cases of one shape agree on everything but may differ in timers.
    """
    wanted = {
        E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: "activities",
        E.EVENT_TYPE_TIMER_STARTED: "timers",
        E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED: "updates",
        E.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: "upserts",
    }
    counts = Counter(wanted[e.event_type] for e in history.events if e.event_type in wanted)
    counts["local_activities"] = sum(
        e.event_type == E.EVENT_TYPE_MARKER_RECORDED
        and e.marker_recorded_event_attributes.marker_name == LOCAL_ACTIVITY_MARKER
        for e in history.events
    )
    counts["timers_fired"] = sum(e.event_type == E.EVENT_TYPE_TIMER_FIRED for e in history.events)
    return counts


def same_work(a: Counter, b: Counter) -> bool:
    return all(a[k] == b[k] for k in ("activities", "local_activities", "updates", "upserts"))
