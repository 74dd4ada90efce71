"""Classification and triage: policy suggests type, dispute class and severity; an agent confirms."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    import workflows.clocks as clocks
    import workflows.evidence as evidence
    import workflows.negotiation as negotiation
    from activities.classify import ClassifyActivities
    from activities.intake import IntakeActivities
    from models.activity_io import ImpactQuery
    from models.case import Actor, ClassificationReview
    from models.classify_io import ClassifyRequest
    from models.enums import ActorKind, Stage
    from policy import classification as classification_policy
    from policy import ladder, sla
    from workflows.case import SYSTEM, Case
    from workflows.guards import invalid_input, require_stage


CLASSIFIER_ACTIVITY = "classifier-activity"


async def enter(
    case: Case, *, actor: Actor | None = None, by: tuple[ActorKind, str] = SYSTEM, reason: str = ""
) -> None:
    s = case.state
    order = case.order
    since = case.now() - case.policy.classification.group_window
    details: dict[str, int] = {}
    if case.patched(CLASSIFIER_ACTIVITY):
        # The classifier (policy/classifier.py) runs in an activity: history records its answer.
        s.classification = await case.activity(
            ClassifyActivities.classify_complaint,
            ClassifyRequest(
                complaint_id=s.complaint_id,
                description=case.facts.personal.description[:4000],
                order=order,
                policy=case.policy.classification,
                group_since=since,
            ),
        )
    else:  # cases started before the classifier keep the keyword rules they were classified with
        counts = await case.activity(
            IntakeActivities.count_open_complaints,
            ImpactQuery(complaint_id=s.complaint_id, merchant_id=order.merchant_id, sku=order.sku, since=since),
        )
        s.classification = classification_policy.classify(
            description=case.facts.personal.description,
            order=order,
            open_on_merchant=counts.open_on_merchant,
            open_on_sku=counts.open_on_sku,
            policy=case.policy.classification,
        )
        details = {"open_on_merchant": counts.open_on_merchant, "open_on_sku": counts.open_on_sku}
    _retime_case_clocks(case)
    await case.set_stage(
        Stage.CLASSIFICATION,
        "classification_suggested",
        actor=actor,
        by=by,
        reason=reason,
        details={"suggested": case.classification.model_dump(mode="json"), **details},
    )


def _retime_case_clocks(case: Case) -> None:
    """Severity is known now: the first-contact clock tightens (or relaxes) from the filing time."""
    s = case.state
    for name, duration in sla.case_clocks(case.policy, s.classification):
        existing = clocks.find(s, name)
        if existing is not None and not existing.breached:
            clocks.start(s, name, case.now(), duration, case.policy, started_at=s.created_at)
    case.changed()


def check_review(case: Case, p: ClassificationReview) -> None:
    require_stage(case.stage, "review_classification", Stage.CLASSIFICATION)
    c = case.state.classification
    if c is not None and c.needs_agent and not c.confirmed and p.confirm:
        raise invalid_input(
            "type", "the classifier was unsure of this text: choose the type (confirm=false, type, reason)"
        )
    if not p.confirm:
        if not (p.reason and p.reason.strip()):
            raise invalid_input("reason", "an override needs a reason")
        if p.type is None and p.severity is None and p.dispute_class is None:
            raise invalid_input("type", "an override changes at least one of type, dispute_class, severity")


async def review(case: Case, p: ClassificationReview) -> None:
    c = case.classification
    before = c.model_dump(mode="json")
    if not p.confirm:
        c.type = p.type or c.type
        c.dispute_class = p.dispute_class or c.dispute_class
        c.severity = p.severity or c.severity
        c.overridden, c.reason = True, p.reason
        c.needs_agent = False  # the agent has classified it
    c.confirmed = True
    _retime_case_clocks(case)
    await case.record(
        "classification_confirmed" if p.confirm else "classification_overridden",
        actor=p.actor,
        reason=p.reason or "",
        details={"before": before, "after": c.model_dump(mode="json")},
    )
    case.facts.fast_path = ladder.fast_path(c, case.order, None)
    if case.facts.fast_path:
        await negotiation.enter_fast_path(case, actor=p.actor)
    else:
        await evidence.enter(case, actor=p.actor)
