"""Every human step of a case as its own endpoint: POST /complaints/{id}/<step>, one workflow update each.

The request body is the update's payload without `actor`, which always comes from the token. The
answer is the case's new state (merchants get their whitelisted view). Roles per step follow the
workflow interface; consumers and merchants additionally must own the case.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, Generic

from fastapi import APIRouter, Body, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, create_model
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from api.cases import ComplaintId, authorize, execute
from api.deps import EngineDep, LinkDep, Principal, get_settings, require_roles
from api.errors import error_responses, excerpt, forbidden, invalid_field
from api.examples import ACTION_EXAMPLES
from api.idempotency import RequiredKey, run_once, update_id
from api.policy_store import current_policy
from api.temporal_link import TemporalLink
from api.updates import CaseUpdate, P, update_name, update_payload
from api.views import MerchantCaseState, state_for
from core.settings import Settings
from models.case import CaseState
from models.enums import Party, Role
from models.tables import User
from workflows.complaint import ComplaintWorkflow

router = APIRouter(prefix="/complaints", tags=["actions"])

A, S, C, M = Role.AGENT, Role.SUPERVISOR, Role.CONSUMER, Role.MERCHANT


@dataclass(frozen=True)
class Step(Generic[P]):
    """One human step: its path, the workflow update it runs, who may run it. The payload type and the
    update's name come from the update method itself, so a step is followed to its handler by go-to-definition."""

    path: str
    update: CaseUpdate[P]
    roles: tuple[Role, ...]
    summary: str

    @property
    def name(self) -> str:
        return update_name(self.update)

    @property
    def payload(self) -> type[P]:
        return update_payload(self.update)


STEPS: tuple[Step[Any], ...] = (
    Step(
        "intake",
        ComplaintWorkflow.complete_intake,
        (A, C),
        "Complete intake (agent) or supplement missing information (consumer)",
    ),
    Step(
        "classification-review",
        ComplaintWorkflow.review_classification,
        (A, S),
        "Confirm or override the suggested classification",
    ),
    Step(
        "evidence-requests",
        ComplaintWorkflow.request_evidence,
        (A, S),
        "Ask a party for evidence, with a deadline from policy",
    ),
    Step(
        "evidence",
        ComplaintWorkflow.submit_evidence,
        (C, M, A),
        "Submit evidence (consumers and merchants as their own party; agents relay any party)",
    ),
    Step("liability", ComplaintWorkflow.set_liability, (A, S), "Decide who is liable"),
    Step("offers", ComplaintWorkflow.make_offer, (A, S), "Make an offer at the case's current tier"),
    Step(
        "offer-response",
        ComplaintWorkflow.respond_to_offer,
        (C, A),
        "Accept or decline the pending offer (agents relay the consumer's answer)",
    ),
    Step("tier3-approval", ComplaintWorkflow.approve_tier3, (S,), "Approve or reject a tier-3 platform advance"),
    Step("withdrawal", ComplaintWorkflow.withdraw, (C, A), "Withdraw the complaint"),
    Step("survey", ComplaintWorkflow.answer_survey, (C,), "Answer the satisfaction survey"),
    Step("assignment", ComplaintWorkflow.assign, (A, S), "Claim the case or assign it to someone"),
    Step("clock", ComplaintWorkflow.control_clock, (A, S), "Pause or resume the SLA clock"),
    Step(
        "supervisor-review",
        ComplaintWorkflow.supervisor_review,
        (S,),
        "Decide a re-opened or failed case: renegotiate or close",
    ),
    Step("merchant-refund", ComplaintWorkflow.confirm_merchant_refund, (M, A), "Confirm the merchant paid the refund"),
    Step("shipment", ComplaintWorkflow.confirm_shipment, (M, A), "Confirm the replacement shipped, with tracking"),
)

_OWN_PARTY = {Role.CONSUMER: Party.CONSUMER, Role.MERCHANT: Party.MERCHANT}


def request_model(payload: type[BaseModel]) -> type[BaseModel]:
    """The payload model without `actor`: same fields, constraints, descriptions and defaults."""
    fields: dict[str, Any] = {
        name: (info.annotation, info) for name, info in payload.model_fields.items() if name != "actor"
    }
    return create_model(
        f"{payload.__name__}Request", __config__=ConfigDict(extra="forbid"), __doc__=payload.__doc__, **fields
    )


def _check_party(principal: Principal, body: BaseModel) -> None:
    own = _OWN_PARTY.get(principal.role)
    party = getattr(body, "party", None)
    if own is not None and party != own:
        raise forbidden(f"a {principal.role.value} submits evidence only as party '{own.value}'")


def _check_assignee(engine: Engine, settings: Settings, assignee: str | None) -> None:
    if assignee is None or assignee == current_policy(settings).escalation.supervisor_queue:
        return
    with Session(engine) as session:
        user = session.exec(
            select(User).where(User.id == assignee, col(User.active), col(User.role).in_([A.value, S.value]))
        ).first()
    if user is None:
        raise invalid_field("body.assignee", f"no active agent or supervisor with id {excerpt(assignee)}")


async def perform(
    request: Request,
    step: Step[Any],
    link: TemporalLink,
    engine: Engine,
    principal: Principal,
    complaint_id: str,
    body: BaseModel,
    key: str,
) -> tuple[int, CaseState | MerchantCaseState]:
    # Connected only now: a request that is wrong in itself gets its 4xx even while Temporal is down.
    client = await link.client()
    row, _ = await authorize(engine, client, principal, complaint_id)
    fields = body.model_dump()
    if step.update is ComplaintWorkflow.submit_evidence:
        _check_party(principal, body)
    if step.update is ComplaintWorkflow.assign:
        await run_in_threadpool(_check_assignee, engine, get_settings(request), fields.get("assignee"))
    payload = step.payload.model_validate({**fields, "actor": principal.actor.model_dump()})
    state = await execute(client, row, complaint_id, step.update, payload, update_id(principal.id, key))
    return 200, state_for(state, principal.role)


def _endpoint(step: Step[Any]) -> Callable[..., Awaitable[JSONResponse]]:
    body_model = request_model(step.payload)
    allowed = Annotated[Principal, Depends(require_roles(*step.roles))]
    examples = ACTION_EXAMPLES.get(step.update)

    async def act(
        request: Request,
        complaint_id: ComplaintId,
        principal: allowed,
        engine: EngineDep,
        link: LinkDep,
        key: RequiredKey,
        # The request model is built per step at import time; FastAPI reads it from this annotation.
        body: Annotated[body_model, Body(openapi_examples=examples)],  # type: ignore[valid-type]
    ) -> JSONResponse:
        return await run_once(
            request,
            engine,
            principal.id,
            key,
            body,
            lambda: perform(request, step, link, engine, principal, complaint_id, body, key),
        )

    act.__name__ = step.name
    return act


def _register() -> None:
    for step in STEPS:
        roles = ", ".join(r.value for r in step.roles)
        router.add_api_route(
            f"/{{complaint_id}}/{step.path}",
            _endpoint(step),
            methods=["POST"],
            response_model=CaseState | MerchantCaseState,
            summary=step.summary,
            operation_id=step.name,
            description=f"Workflow update `{step.name}`. Allowed roles: {roles}.",
            responses=error_responses(401, 403, 404, 409, 413, 422, 503),
        )


_register()
