"""Urgency at filing: is the text urgent before intake is complete? (keyword rules of the policy)

An activity so that history records the answer: a changed keyword matcher never changes how a
recorded case replays. Pure: no database, no network.
"""

from temporalio import activity

from models.triage_io import Urgency, UrgencyRequest
from policy import keyword_match


class TriageActivities:
    @activity.defn(name="urgency_at_filing")
    def urgency_at_filing(self, request: UrgencyRequest) -> Urgency:
        hits = keyword_match.find(request.description, request.policy)
        return Urgency(
            urgent=bool(hits.urgent),
            rules_fired=[f"urgent keyword '{w}' → A (urgent) at filing" for w in hits.urgent[:3]],
        )
