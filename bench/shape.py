"""The shape of a case as Temporal sees it: per update, the activities, timers and upserts it caused.

Read from a real project history, it is what the bare workflow replays with no business logic, so the
ratio project / bare compares the same amount of engine work. The history is cut at each accepted
update; within a segment, activities scheduled before the update completed ran in its handler.
"""

from collections import Counter

from pydantic import BaseModel
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import WorkflowHistory

E = EventType


class Segment(BaseModel):
    update: str
    handler_activities: int = 0
    after_activities: int = 0
    timers_started: int = 0
    timers_fired: list[float] = []  # seconds: timers that ran out (the survey delay), in order
    upserts: int = 0


class Shape(BaseModel):
    segments: list[Segment]

    def totals(self) -> dict[str, int]:
        return {
            "updates": len(self.segments),
            "activities": sum(s.handler_activities + s.after_activities for s in self.segments),
            "timers": sum(s.timers_started for s in self.segments),
            "timers_fired": sum(len(s.timers_fired) for s in self.segments),
            "upserts": sum(s.upserts for s in self.segments),
        }


_COUNTED = {
    E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
    E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
    E.EVENT_TYPE_TIMER_STARTED,
    E.EVENT_TYPE_TIMER_FIRED,
    E.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
}


def shape_of(history: WorkflowHistory) -> Shape:
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
            if in_handler:
                current.handler_activities += 1
            else:
                current.after_activities += 1
        elif kind == E.EVENT_TYPE_TIMER_STARTED:
            current.timers_started += 1
            timer_durations[event.event_id] = _seconds(event)
        elif kind == E.EVENT_TYPE_TIMER_FIRED:
            started = event.timer_fired_event_attributes.started_event_id
            current.timers_fired.append(round(timer_durations.get(started, 0.0), 3))
        elif kind == E.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
            current.upserts += 1
    return Shape(segments=segments)


def _seconds(event: HistoryEvent) -> float:
    return event.timer_started_event_attributes.start_to_fire_timeout.ToTimedelta().total_seconds()


def event_counts(history: WorkflowHistory) -> Counter:
    """Activities, updates, upserts and timers of one history.

    Timers started depend on timing (an update landing in the same workflow task as a timer's restart
    saves a start/cancel pair), so cases of one shape agree on everything but may differ in timers.
    """
    wanted = {
        E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: "activities",
        E.EVENT_TYPE_TIMER_STARTED: "timers",
        E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED: "updates",
        E.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: "upserts",
    }
    return Counter(wanted[e.event_type] for e in history.events if e.event_type in wanted)


def same_work(a: Counter, b: Counter) -> bool:
    return all(a[k] == b[k] for k in ("activities", "updates", "upserts"))
