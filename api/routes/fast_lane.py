"""POST /complaints/{id}/merchant-settlement: a trusted merchant's self-service compensation (the fast lane).

The same machinery as every other step (api.routes.actions.perform): token, Idempotency-Key, ownership
(the case's own merchant only), one workflow update. The workflow checks the merchant's standing.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request

from api.cases import ComplaintId
from api.deps import EngineDep, LinkDep, Principal, require_roles
from api.errors import error_responses
from api.idempotency import RequiredKey, run_once
from api.routes.actions import Step, perform, request_model
from api.views import MerchantCaseState
from models.case import CaseState
from models.enums import Role
from models.fast_lane import MerchantSettlement
from workflows.complaint import ComplaintWorkflow

router = APIRouter(prefix="/complaints", tags=["actions"])

SETTLE: Step[MerchantSettlement] = Step(
    "merchant-settlement",
    ComplaintWorkflow.merchant_settle,
    (Role.MERCHANT,),
    "Trusted merchant: offer a refund (and gift) yourself, within the fast lane's limits",
)
SettlementBody = request_model(SETTLE.payload)
Merchant = Annotated[Principal, Depends(require_roles(Role.MERCHANT))]
EXAMPLES: dict[str, Any] = {
    "refund": {"summary": "Refund what was paid (tier 1)", "value": {"refund_mode": "refund_only"}},
    "gift": {
        "summary": "A partial refund plus a coupon (tier 2)",
        "value": {"refund_minor": 15000, "coupon_minor": 500, "note": "sorry for the trouble"},
    },
}


@router.post(
    f"/{{complaint_id}}/{SETTLE.path}",
    response_model=CaseState | MerchantCaseState,
    summary=SETTLE.summary,
    operation_id=SETTLE.name,
    responses=error_responses(401, 403, 404, 409, 422, 503),
    description="Workflow update `merchant_settle`. Allowed roles: merchant (its own cases, standing "
    "trusted). Before execution, with no open or declined offer; docs/INSIGHTS.md, 'Fast lane'.",
)
async def merchant_settle(
    request: Request,
    complaint_id: ComplaintId,
    principal: Merchant,
    engine: EngineDep,
    link: LinkDep,
    key: RequiredKey,
    body: Annotated[SettlementBody, Body(openapi_examples=EXAMPLES)],  # type: ignore[valid-type]
) -> Any:
    return await run_once(
        request,
        engine,
        principal.id,
        key,
        body,
        lambda: perform(request, SETTLE, link, engine, principal, complaint_id, body, key),
    )
