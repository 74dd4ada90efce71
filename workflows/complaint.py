"""One durable workflow per complaint: intake → classification → evidence → negotiation → execution → review.

Handlers are thin: each validator rejects an invalid step before anything is written to history, each
update re-checks under the case lock (another update may have won the race) and applies the step.
Stage logic lives in one module per stage; decisions live in the pure `policy` package.
"""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    import workflows.case_admin as case_admin
    import workflows.classification as classification
    import workflows.evidence as evidence
    import workflows.execution as execution
    import workflows.failures as failures
    import workflows.fast_lane as fast_lane
    import workflows.intake as intake
    import workflows.negotiation as negotiation
    import workflows.patches as patches
    import workflows.review as review
    from models.case import (
        Assignment,
        CaseInput,
        CaseState,
        ClassificationReview,
        ClockControl,
        EvidenceRequestCmd,
        EvidenceSubmission,
        Filing,
        FilingResult,
        IntakeCompletion,
        LiabilityDecision,
        MerchantRefundConfirmation,
        OfferProposal,
        OfferResponse,
        PersonalDetails,
        ShipmentConfirmation,
        SupervisorReview,
        SurveyAnswer,
        Tier3Approval,
        Withdrawal,
    )
    from models.enums import Stage
    from models.fast_lane import MerchantSettlement
    from workflows.applied_steps import AppliedSteps
    from workflows.case import BATCH_THROUGH_FREE_LOCK, BATCHED_STEP_WRITES, CLOCK_KEEPER, LOCAL_STEP_WRITES, Case

RUNNERS: dict[Stage, Callable[[Case], Awaitable[None]]] = {
    Stage.CLASSIFICATION: Case.until_stage_changes,
    Stage.EVIDENCE: evidence.run,
    Stage.NEGOTIATION: negotiation.run,
    Stage.EXECUTION: execution.run,
    Stage.REVIEW: review.run,
    Stage.REOPENED: Case.until_stage_changes,
}


def _update_name() -> str:
    info = workflow.current_update_info()
    return info.name if info else "step"


def _update_id() -> str | None:
    info = workflow.current_update_info()
    return info.id if info else None


@workflow.defn
class ComplaintWorkflow:
    @workflow.init
    def __init__(self, inp: CaseInput) -> None:
        self.case = Case(inp)
        self.steps = AppliedSteps()

    @workflow.run
    async def run(self, inp: CaseInput) -> CaseState:
        # Before the first command, so every write of the case takes the same path (docs/VERSIONING.md).
        facts = self.case.facts
        if patches.take_all_at_once(facts):  # a new case: one marker for every patch below
            facts.local_writes = facts.batched_writes = inp.local_step_writes
            facts.clock_keeper = True
        else:  # a case started before ALL_PATCHES_AT_ONCE, replayed: each patch as its history recorded it
            # Asked only when the filing allows it: a case filed with it off never records the patch marker.
            facts.local_writes = inp.local_step_writes and workflow.patched(LOCAL_STEP_WRITES)
            facts.batched_writes = facts.local_writes and workflow.patched(BATCHED_STEP_WRITES)
            facts.clock_keeper = workflow.patched(CLOCK_KEEPER)
            patches.ask_later_patches_now()
        # A patch after ALL_PATCHES_AT_ONCE: asked here, at the start, with a marker of its own.
        facts.batch_through_free_lock = facts.batched_writes and workflow.patched(BATCH_THROUGH_FREE_LOCK)
        keeper = asyncio.create_task(self._keep_clocks()) if self.case.facts.clock_keeper else None
        await intake.run(self.case)
        while not self.case.stage.is_terminal:
            # Intake finished its own waiting before the loop; any other stage without a runner just waits.
            try:
                await RUNNERS.get(self.case.stage, Case.until_stage_changes)(self.case)
                await self.case.flush()  # what the stage wrote on its way out
            except ActivityError as err:
                if not self.case.patched(failures.STEP_FAILURES_HANDLED):
                    raise
                await failures.runner_failed(self.case, err)
        if keeper is not None:
            await self.case.flush()
            await keeper  # it stops once the case is closed
        await self.case.wait_condition(workflow.all_handlers_finished)
        await self.case.flush()
        return self.case.compact()

    async def _keep_clocks(self) -> None:
        """The clock keeper; a write of its own that fails for good is reported, then it keeps the clocks on."""
        while True:
            try:
                await self.case.keep_clocks()
                return
            except ActivityError as err:
                await failures.runner_failed(self.case, err)

    @workflow.query
    def state(self) -> CaseState:
        return self.case.snapshot()

    @workflow.query
    def personal(self) -> PersonalDetails:
        return self.case.facts.personal.model_copy(deep=True)

    def _redelivered(self) -> bool:
        """This update's id is one the case already accepted: a re-delivery (e.g. after a server restart)."""
        return self.steps.knows(_update_id())

    async def _act(
        self, check: Callable[[Case, Any], None], apply: Callable[[Case, Any], Awaitable[None]], payload: Any
    ) -> CaseState:
        return await self.steps.once(_update_id(), lambda: self._apply(check, apply, payload), self.case.compact)

    async def _apply(
        self, check: Callable[[Case, Any], None], apply: Callable[[Case, Any], Awaitable[None]], payload: Any
    ) -> CaseState:
        await self.case.wait_condition(lambda: self.case.facts.filed_recorded)  # "filed" is always audit record 1
        async with self.case.locked():
            check(self.case, payload)  # the world may have moved since the validator ran
            before = self.case.state.model_copy(deep=True)
            self.case.touch(payload.actor)
            try:
                await apply(self.case, payload)
                await self.case.flush()  # inside the try: a refused batch is the step's failure
            except ActivityError as err:
                if not self.case.patched(failures.STEP_FAILURES_HANDLED):
                    raise
                raise await failures.step_failed(self.case, _update_name(), before, err) from None
            return self.case.compact()

    # ---- intake ---------------------------------------------------------------------------------------

    @workflow.update
    async def file(self, p: Filing) -> FilingResult:
        async def apply() -> FilingResult:
            intake.check_filing(self.case, p)
            result = await intake.file(self.case, p)
            await self.case.flush()
            return result

        def current() -> FilingResult:
            return FilingResult(complaint_id=self.case.state.complaint_id, joined=True, stage=self.case.stage)

        return await self.steps.once(_update_id(), apply, current)

    @file.validator
    def _validate_file(self, p: Filing) -> None:
        if self._redelivered():
            return  # answered as history says, by the handler
        intake.check_filing(self.case, p)

    @workflow.update
    async def complete_intake(self, p: IntakeCompletion) -> CaseState:
        return await self._act(intake.check_completion, intake.complete, p)

    @complete_intake.validator
    def _validate_complete_intake(self, p: IntakeCompletion) -> None:
        if self._redelivered():
            return  # answered as history says, by the handler
        intake.check_completion(self.case, p)

    # ---- classification and evidence ------------------------------------------------------------------

    @workflow.update
    async def review_classification(self, p: ClassificationReview) -> CaseState:
        return await self._act(classification.check_review, classification.review, p)

    @review_classification.validator
    def _validate_review_classification(self, p: ClassificationReview) -> None:
        if self._redelivered():
            return  # answered as history says, by the handler
        classification.check_review(self.case, p)

    @workflow.update
    async def request_evidence(self, p: EvidenceRequestCmd) -> CaseState:
        return await self._act(evidence.check_request, evidence.request, p)

    @request_evidence.validator
    def _validate_request_evidence(self, p: EvidenceRequestCmd) -> None:
        if self._redelivered():
            return  # answered as history says, by the handler
        evidence.check_request(self.case, p)

    @workflow.update
    async def submit_evidence(self, p: EvidenceSubmission) -> CaseState:
        return await self._act(evidence.check_submit, evidence.submit, p)

    @submit_evidence.validator
    def _validate_submit_evidence(self, p: EvidenceSubmission) -> None:
        if self._redelivered():
            return  # answered as history says, by the handler
        evidence.check_submit(self.case, p)

    @workflow.update
    async def set_liability(self, p: LiabilityDecision) -> CaseState:
        return await self._act(evidence.check_liability, evidence.set_liability, p)

    @set_liability.validator
    def _validate_set_liability(self, p: LiabilityDecision) -> None:
        if self._redelivered():
            return  # answered as history says, by the handler
        evidence.check_liability(self.case, p)

    # ---- negotiation -----------------------------------------------------------------------------------

    @workflow.update
    async def make_offer(self, p: OfferProposal) -> CaseState:
        return await self._act(negotiation.check_offer, negotiation.make_offer, p)

    @make_offer.validator
    def _validate_make_offer(self, p: OfferProposal) -> None:
        if self._redelivered():
            return  # answered as history says, by the handler
        negotiation.check_offer(self.case, p)

    @workflow.update
    async def respond_to_offer(self, p: OfferResponse) -> CaseState:
        return await self._act(negotiation.check_response, negotiation.respond, p)

    @respond_to_offer.validator
    def _validate_respond_to_offer(self, p: OfferResponse) -> None:
        if self._redelivered():
            return  # answered as history says, by the handler
        negotiation.check_response(self.case, p)

    @workflow.update
    async def approve_tier3(self, p: Tier3Approval) -> CaseState:
        return await self._act(negotiation.check_approval, negotiation.approve, p)

    @approve_tier3.validator
    def _validate_approve_tier3(self, p: Tier3Approval) -> None:
        if self._redelivered():
            return  # answered as history says, by the handler
        negotiation.check_approval(self.case, p)

    # ---- execution and review --------------------------------------------------------------------------

    @workflow.update
    async def confirm_merchant_refund(self, p: MerchantRefundConfirmation) -> CaseState:
        return await self._act(case_admin.check_merchant_refund, case_admin.confirm_merchant_refund, p)

    @confirm_merchant_refund.validator
    def _validate_confirm_merchant_refund(self, p: MerchantRefundConfirmation) -> None:
        if self._redelivered():
            return  # answered as history says, by the handler
        case_admin.check_merchant_refund(self.case, p)

    @workflow.update
    async def confirm_shipment(self, p: ShipmentConfirmation) -> CaseState:
        return await self._act(case_admin.check_shipment, case_admin.confirm_shipment, p)

    @confirm_shipment.validator
    def _validate_confirm_shipment(self, p: ShipmentConfirmation) -> None:
        if self._redelivered():
            return  # answered as history says, by the handler
        case_admin.check_shipment(self.case, p)

    @workflow.update
    async def answer_survey(self, p: SurveyAnswer) -> CaseState:
        return await self._act(review.check_answer, review.answer, p)

    @answer_survey.validator
    def _validate_answer_survey(self, p: SurveyAnswer) -> None:
        if self._redelivered():
            return  # answered as history says, by the handler
        review.check_answer(self.case, p)

    @workflow.update
    async def supervisor_review(self, p: SupervisorReview) -> CaseState:
        return await self._act(review.check_supervisor_review, review.supervisor_review, p)

    @supervisor_review.validator
    def _validate_supervisor_review(self, p: SupervisorReview) -> None:
        if self._redelivered():
            return  # answered as history says, by the handler
        review.check_supervisor_review(self.case, p)

    # ---- any open stage --------------------------------------------------------------------------------

    @workflow.update
    async def withdraw(self, p: Withdrawal) -> CaseState:
        return await self._act(case_admin.check_withdraw, case_admin.withdraw, p)

    @withdraw.validator
    def _validate_withdraw(self, p: Withdrawal) -> None:
        if self._redelivered():
            return  # answered as history says, by the handler
        case_admin.check_withdraw(self.case, p)

    @workflow.update
    async def assign(self, p: Assignment) -> CaseState:
        return await self._act(case_admin.check_assign, case_admin.assign, p)

    @assign.validator
    def _validate_assign(self, p: Assignment) -> None:
        if self._redelivered():
            return  # answered as history says, by the handler
        case_admin.check_assign(self.case, p)

    @workflow.update
    async def control_clock(self, p: ClockControl) -> CaseState:
        return await self._act(case_admin.check_clock, case_admin.control_clock, p)

    @control_clock.validator
    def _validate_control_clock(self, p: ClockControl) -> None:
        if self._redelivered():
            return  # answered as history says, by the handler
        case_admin.check_clock(self.case, p)

    # ---- the trusted merchant's fast lane (workflows/fast_lane.py) -----------------------------------

    @workflow.update
    async def merchant_settle(self, p: MerchantSettlement) -> CaseState:
        return await self._act(fast_lane.check, fast_lane.settle, p)

    @merchant_settle.validator
    def _validate_merchant_settle(self, p: MerchantSettlement) -> None:
        if self._redelivered():
            return  # answered as history says, by the handler
        fast_lane.check(self.case, p)
