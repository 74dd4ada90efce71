"""The ids of the updates a case has accepted, so a re-delivered update is answered as history says.

After a Temporal restart the server can deliver an update that the case already accepted (its
UpdateAccepted event is in history) a second time, as a new request with the same update id. SDK core
keys its update state machines by protocol instance id, which is the update id: the new request
replaces the machine of the first delivery. Its validator judged it against a state where the step is
already applied and rejected it; the first delivery's handler then completed into the rejected machine,
and core failed the workflow task on every retry ("Invalid transition while handling update response
(id …) in state Rejected"), so the case stalled.

Now a known id passes its validator (the new machine accepts). If the first delivery is still running,
its completion answers the new machine, and the repeat never answers (a second answer would be the
same invalid transition); it is dropped when the workflow completes, and `all_handlers_finished` does
not wait for it (the SDK tracks handlers by update id). If the first delivery has already finished, the
repeat answers with its outcome (docs/RELIABILITY.md, finding 6).
"""

from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import TypeVar, cast

from temporalio import workflow
from temporalio.exceptions import ApplicationError

T = TypeVar("T")

# Outcomes kept in full for the most recent steps only (a re-delivery comes moments after the first);
# older ids keep no payload and answer with the case's current compact state.
RECENT_OUTCOMES = 10


class _Pending:
    """Marks an id whose first delivery is still running."""


_PENDING = _Pending()


class AppliedSteps:
    def __init__(self) -> None:
        self._outcomes: OrderedDict[str, object] = OrderedDict()

    def knows(self, update_id: str | None) -> bool:
        return update_id is not None and update_id in self._outcomes

    async def once(self, update_id: str | None, run: Callable[[], Awaitable[T]], current: Callable[[], T]) -> T:
        """Run the step the first time its id is seen; a repeat waits for that run and shares its outcome."""
        if update_id is None:
            return await run()
        if update_id in self._outcomes:
            workflow.logger.warning("update %s delivered again: answered as history says", update_id)
            if self._outcomes[update_id] is _PENDING:
                await workflow.wait_condition(lambda: False)  # the first delivery answers for both
            outcome = self._outcomes.get(update_id)
            if isinstance(outcome, ApplicationError):
                raise outcome
            return cast(T, outcome) if outcome is not None else current()
        self._outcomes[update_id] = _PENDING
        try:
            result = await run()
        except ApplicationError as err:
            self._settle(update_id, err)
            raise
        except BaseException:
            self._outcomes.pop(update_id, None)  # not applied: a retry with this id may run it afresh
            raise
        self._settle(update_id, result)
        return result

    def _settle(self, update_id: str, outcome: object) -> None:
        self._outcomes[update_id] = outcome
        settled = [key for key, value in self._outcomes.items() if value is not None and value is not _PENDING]
        for key in settled[:-RECENT_OUTCOMES]:
            self._outcomes[key] = None
