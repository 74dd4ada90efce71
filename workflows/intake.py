"""Intake: verify person-order-matter, ask for what is missing, join duplicates."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    import workflows.classification as classification
    import workflows.clocks as clocks
    import workflows.limits as limits
    from activities.intake import IntakeActivities
    from activities.triage import TriageActivities
    from models.case import EvidenceRef, Filing, FilingResult, IntakeCompletion
    from models.enums import ActorKind, ClockName, Outcome, Severity, Stage
    from models.triage_io import UrgencyRequest
    from policy import intake as intake_policy
    from policy import sla
    from workflows.case import Case
    from workflows.guards import conflict, invalid_input, require_stage

# An urgent text gets severity A's first-contact clock at filing, even while intake is incomplete.
URGENT_CLOCK_AT_FILING = "urgent-clock-at-filing"


def _check(
    case: Case, order_line_id: str | None, description: str, evidence: list[EvidenceRef]
) -> intake_policy.IntakeCheck:
    return intake_policy.check_intake(
        consumer_id=case.state.consumer_id,
        order=case.facts.order_record,
        order_line_id=order_line_id,
        description=description,
        evidence=evidence,
        filed_at=case.state.created_at,
        policy=case.policy,
    )


def _adopt(case: Case, result: intake_policy.IntakeCheck) -> None:
    s = case.state
    if result.order is not None:
        s.order = result.order
        s.order_line_id = result.order.order_line_id
        s.merchant_id = result.order.merchant_id
    elif case.facts.order_record is not None:
        s.merchant_id = case.facts.order_record.merchant_id
    s.missing_info = list(result.missing)


async def run(case: Case) -> None:
    """Entry point of every case: called once, before any other stage."""
    lookup = await case.activity(IntakeActivities.lookup_order, case.state.order_id)
    case.facts.order_record = lookup.order
    result = _check(case, case.state.order_line_id, case.facts.personal.description, case.facts.evidence_refs)
    _adopt(case, result)
    now = case.now()
    for name, duration in sla.case_clocks(case.policy, None):
        clocks.start(case.state, name, now, duration, case.policy)
    intake_clock = sla.stage_clock(Stage.INTAKE, None, case.policy)
    if intake_clock is not None:
        clocks.start(case.state, intake_clock[0], now, intake_clock[1], case.policy)
    urgent: list[str] = []
    if result.valid and result.missing and case.facts.personal.description and case.patched(URGENT_CLOCK_AT_FILING):
        urgent = await _urgent_clock(case)
    async with case.locked():
        await case.record(
            "filed",
            actor=case.input.filed_by,
            details={
                "channel": case.input.channel,
                "evidence": len(case.facts.evidence_refs),
                "missing": result.missing,
                **({"urgent": urgent} if urgent else {}),
            },
        )
        case.facts.filed_recorded = True
        if not result.valid:
            await case.finish(Stage.REJECTED, Outcome.INVALID, reason=result.rejection or "invalid complaint")
            return
        if result.missing:
            await _request_supplement(case)
        else:
            await classification.enter(case, by=(ActorKind.SYSTEM, "system"), reason="intake complete")
    await _await_supplement(case)


async def _urgent_clock(case: Case) -> list[str]:
    """Classification waits for the missing information; an urgent text must not wait 24 h for first contact."""
    answer = await case.activity(
        TriageActivities.urgency_at_filing,
        UrgencyRequest(
            complaint_id=case.state.complaint_id,
            description=case.facts.personal.description[:4000],
            policy=case.policy.classification,
        ),
    )
    if answer.urgent:
        clocks.start(
            case.state,
            ClockName.FIRST_CONTACT,
            case.now(),
            case.policy.sla.by_severity[Severity.A].first_contact,
            case.policy,
            started_at=case.state.created_at,
        )
    return answer.rules_fired if answer.urgent else []


async def _request_supplement(case: Case) -> None:
    case.facts.supplement_due = case.now() + case.policy.intake.supplement
    await case.record(
        "supplement_requested",
        reason=", ".join(case.state.missing_info),
        details={"missing": case.state.missing_info, "due_at": case.facts.supplement_due.isoformat()},
    )
    await case.notify(
        case.consumer(),
        "supplement_request",
        missing=case.state.missing_info,
        due_at=case.facts.supplement_due.isoformat(),
    )


async def _await_supplement(case: Case) -> None:
    if case.stage != Stage.INTAKE:
        return
    if await case.wait_for(lambda: not case.state.missing_info, case.facts.supplement_due):
        return
    async with case.locked():
        if case.stage != Stage.INTAKE or not case.state.missing_info:
            return
        case.facts.supplement_due = case.now() + case.policy.intake.supplement_reminder
        await case.record(
            "supplement_reminder",
            by=(ActorKind.DEADLINE, "deadline:supplement"),
            details={"missing": case.state.missing_info, "due_at": case.facts.supplement_due.isoformat()},
        )
        await case.notify(case.consumer(), "supplement_reminder", missing=case.state.missing_info)
    if await case.wait_for(lambda: not case.state.missing_info, case.facts.supplement_due):
        return
    async with case.locked():
        if case.stage == Stage.INTAKE and case.state.missing_info:
            await case.finish(
                Stage.REJECTED,
                Outcome.INCOMPLETE,
                by=(ActorKind.DEADLINE, "deadline:supplement"),
                reason=f"still missing after reminder: {', '.join(case.state.missing_info)}",
            )


# ---- updates ----------------------------------------------------------------------------------------


def check_completion(case: Case, p: IntakeCompletion) -> None:
    require_stage(case.stage, "complete_intake", Stage.INTAKE)
    if not case.facts.filed_recorded:
        raise conflict("the case is still being registered; retry shortly")
    result = _check(
        case,
        p.order_line_id or case.state.order_line_id,
        p.description or case.facts.personal.description,
        case.facts.evidence_refs + p.evidence,
    )
    if not result.valid:
        raise invalid_input("order_line_id" if p.order_line_id else "description", result.rejection or "invalid")


async def complete(case: Case, p: IntakeCompletion) -> None:
    if p.description:
        case.facts.personal.description = p.description
    if p.contact:
        case.facts.personal.contact = p.contact
    case.facts.evidence_refs += p.evidence
    result = _check(
        case, p.order_line_id or case.state.order_line_id, case.facts.personal.description, case.facts.evidence_refs
    )
    _adopt(case, result)
    action = "intake_supplemented" if result.missing else "intake_completed"
    await case.record(action, actor=p.actor, details={"missing": result.missing, "evidence_added": len(p.evidence)})
    if not result.missing:
        await classification.enter(case, actor=p.actor, reason="intake complete")


def check_filing(case: Case, p: Filing) -> None:
    if case.stage.is_terminal and case.facts.initial_filing_acknowledged:
        raise conflict(
            f"case {case.state.complaint_id} is {case.stage.value}; file a new complaint", stage=case.stage.value
        )
    if case.facts.initial_filing_acknowledged:
        limits.check_joined_filing(case)


async def file(case: Case, p: Filing) -> FilingResult:
    if not case.facts.initial_filing_acknowledged:
        case.facts.initial_filing_acknowledged = True
        await case.wait_condition(lambda: case.facts.filed_recorded)
        return FilingResult(complaint_id=case.state.complaint_id, joined=False, stage=case.stage)
    await case.wait_condition(lambda: case.facts.filed_recorded)
    async with case.locked():
        case.state.joined_filings += 1
        case.facts.evidence_refs += p.evidence
        if case.stage == Stage.INTAKE and case.state.missing_info and case.facts.filed_recorded:
            merged = _check(
                case,
                case.state.order_line_id,
                case.facts.personal.description or p.description,
                case.facts.evidence_refs,
            )
            if merged.valid:
                case.facts.personal.description = case.facts.personal.description or p.description
                _adopt(case, merged)
        await case.record(
            "duplicate_joined",
            actor=p.actor,
            details={
                "channel": p.channel,
                "evidence_added": len(p.evidence),
                "joined_filings": case.state.joined_filings,
            },
        )
        if case.stage == Stage.INTAKE and not case.state.missing_info and case.facts.filed_recorded:
            await classification.enter(case, actor=p.actor, reason="intake complete")
        return FilingResult(complaint_id=case.state.complaint_id, joined=True, stage=case.stage)
