"""Evidence gathering: requests to consumer, merchant and carrier, each with a deadline; liability."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    import workflows.limits as limits
    import workflows.negotiation as negotiation
    from activities.records import RecordActivities
    from models.activity_io import EvidenceRecord
    from models.case import (
        Actor,
        EvidenceItemState,
        EvidenceRef,
        EvidenceRequestCmd,
        EvidenceRequestState,
        EvidenceSubmission,
        LiabilityDecision,
        LiabilityState,
    )
    from models.enums import ActorKind, ComplaintType, Outcome, Party, Stage
    from policy import liability as liability_policy
    from workflows.case import SYSTEM, Case
    from workflows.guards import conflict, invalid_stage, require_stage


def _open_requests(case: Case) -> list[EvidenceRequestState]:
    return [r for r in case.state.evidence_requests if r.fulfilled_at is None and not r.lapsed]


def _refresh_suggestion(case: Case) -> None:
    s = case.state
    s.liability_suggestion, s.liability_suggestion_reasons = liability_policy.suggest_liability(
        classification=case.classification, order=case.order, evidence=s.evidence, requests=s.evidence_requests
    )


async def _sync_consumer_wait(case: Case) -> None:
    outstanding = _open_requests(case)
    waiting = bool(outstanding) and all(r.party == Party.CONSUMER for r in outstanding)
    await case.set_consumer_wait(waiting, "waiting on consumer evidence" if waiting else "consumer answered")


async def _store(case: Case, party: Party, item: EvidenceRef, submitted_by: str) -> None:
    evidence_id = case.next_id("E")
    now = case.now()
    await case.write(
        RecordActivities.record_evidence,
        EvidenceRecord(
            complaint_id=case.state.complaint_id,
            evidence_id=evidence_id,
            party=party,
            item=item,
            submitted_by=submitted_by,
            at=now,
        ),
    )
    case.state.evidence.append(
        EvidenceItemState(evidence_id=evidence_id, party=party, item=item, submitted_at=now, submitted_by=submitted_by)
    )


async def _request(case: Case, party: Party, note: str, *, actor: Actor | None = None) -> None:
    now = case.now()
    due = now + case.policy.evidence.deadlines[party.value]
    case.state.evidence_requests.append(EvidenceRequestState(party=party, note=note, requested_at=now, due_at=due))
    await case.record(
        "evidence_requested", actor=actor, details={"party": party.value, "due_at": due.isoformat(), "note": note}
    )
    recipient = (
        case.consumer()
        if party == Party.CONSUMER
        else (case.merchant() if party == Party.MERCHANT else f"carrier:{case.order.carrier or 'unknown'}")
    )
    await case.notify(recipient, "evidence_request", party=party.value, due_at=due.isoformat(), note=note)


async def enter(case: Case, *, actor: Actor | None = None, by: tuple[ActorKind, str] = SYSTEM) -> None:
    await case.set_stage(Stage.EVIDENCE, "evidence_opened", actor=actor, by=by)
    for ref in case.facts.evidence_refs:
        await _store(case, Party.CONSUMER, ref, f"consumer:{case.state.consumer_id}")
    await _request(case, Party.MERCHANT, "outbound record, QC report and after-sales chat log")
    if case.classification.type == ComplaintType.LOGISTICS or case.facts.fast_path:
        await _request(case, Party.CARRIER, "transport track, sign-off slip, cold-chain temperature record")
    _refresh_suggestion(case)
    case.changed()


async def run(case: Case) -> None:
    await case.keep_deadline(
        Stage.EVIDENCE,
        lambda: min((r.due_at for r in _open_requests(case)), default=None),
        lambda: _handle_deadlines(case),
    )


async def _handle_deadlines(case: Case) -> None:
    now = case.now()
    for request in _open_requests(case):
        if request.due_at > now:
            continue
        by = (ActorKind.DEADLINE, f"deadline:evidence:{request.party.value}")
        if request.party == Party.CONSUMER and not request.reminded:
            request.reminded = True
            request.due_at = now + case.policy.evidence.consumer_reminder_grace
            await case.record(
                "evidence_reminder", by=by, details={"party": "consumer", "due_at": request.due_at.isoformat()}
            )
            await case.notify(case.consumer(), "evidence_reminder", due_at=request.due_at.isoformat())
            continue
        request.lapsed = True
        await case.record("evidence_deadline_missed", by=by, details={"party": request.party.value})
        if request.party == Party.CONSUMER:
            await case.finish(
                Stage.CLOSED,
                Outcome.UNSUBSTANTIATED,
                by=by,
                reason="consumer silent past the evidence deadline and reminder",
            )
            return
        if request.party == Party.MERCHANT:
            case.state.liability = LiabilityState(
                party=Party.MERCHANT,
                reason="merchant silent past its evidence deadline",
                decided_by="deadline",
                suggested=Party.MERCHANT,
                automatic=True,
            )
            await case.record(
                "liability_set",
                by=by,
                reason=case.state.liability.reason,
                details={"party": "merchant", "automatic": True},
            )
            await negotiation.enter(case, by=by)
            return
    _refresh_suggestion(case)
    await _sync_consumer_wait(case)


# ---- updates ----------------------------------------------------------------------------------------


def check_request(case: Case, p: EvidenceRequestCmd) -> None:
    require_stage(case.stage, "request_evidence", Stage.EVIDENCE)
    if any(r.party == p.party for r in _open_requests(case)):
        raise conflict(f"an evidence request to the {p.party.value} is already open", party=p.party.value)
    limits.check_evidence_request(case, p.party)


async def request(case: Case, p: EvidenceRequestCmd) -> None:
    await _request(case, Party(p.party), p.note, actor=p.actor)
    await _sync_consumer_wait(case)


def check_submit(case: Case, p: EvidenceSubmission) -> None:
    require_stage(case.stage, "submit_evidence", Stage.EVIDENCE)
    if any(e.item.sha256 == p.item.sha256 and e.party == p.party for e in case.state.evidence):
        raise conflict("this attachment (same sha256) was already submitted", sha256=p.item.sha256)
    limits.check_evidence(case, p.party)


async def submit(case: Case, p: EvidenceSubmission) -> None:
    party = Party(p.party)
    await _store(case, party, p.item, f"{p.actor.role.value}:{p.actor.id}")
    for r in _open_requests(case):
        if r.party == party:
            r.fulfilled_at = case.now()
    _refresh_suggestion(case)
    await case.record(
        "evidence_submitted",
        actor=p.actor,
        details={
            "party": party.value,
            "kind": p.item.kind,
            "sha256": p.item.sha256,
            "attachment_ref": p.item.attachment_ref,
        },
    )
    await _sync_consumer_wait(case)


def check_liability(case: Case, p: LiabilityDecision) -> None:
    require_stage(case.stage, "set_liability", Stage.EVIDENCE, Stage.NEGOTIATION)
    if case.stage == Stage.NEGOTIATION and case.state.offers:
        raise invalid_stage(case.stage, "set_liability", "no offer made yet")


async def set_liability(case: Case, p: LiabilityDecision) -> None:
    s = case.state
    s.liability = LiabilityState(
        party=p.party, reason=p.reason, decided_by=p.actor.id, suggested=s.liability_suggestion
    )
    await case.record(
        "liability_set",
        actor=p.actor,
        reason=p.reason,
        details={"party": p.party.value, "suggested": s.liability_suggestion.value if s.liability_suggestion else None},
    )
    if case.stage == Stage.EVIDENCE:
        await case.set_consumer_wait(False, "evidence closed")
        await negotiation.enter(case, actor=p.actor)
