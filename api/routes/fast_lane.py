"""POST /complaints/{id}/merchant-settlement: a trusted merchant's self-service compensation (the fast lane).

The same machinery as every other step (api.routes.actions): token, Idempotency-Key, ownership (the
case's own merchant only), one workflow update. The workflow checks the merchant's standing.
"""

from fastapi import APIRouter

from api.errors import error_responses
from api.routes.actions import Step, _endpoint
from api.views import MerchantCaseState
from models.case import CaseState
from models.enums import Role
from models.fast_lane import MerchantSettlement

router = APIRouter(prefix="/complaints", tags=["actions"])

SETTLE = Step("merchant-settlement", "merchant_settle", MerchantSettlement, (Role.MERCHANT,),
              "Trusted merchant: offer a refund (and gift) yourself, within the fast lane's limits")

router.add_api_route(
    f"/{{complaint_id}}/{SETTLE.path}", _endpoint(SETTLE), methods=["POST"],
    response_model=CaseState | MerchantCaseState, summary=SETTLE.summary, operation_id=SETTLE.update,
    description="Workflow update `merchant_settle`. Allowed roles: merchant (its own cases; standing: trusted). "
                "Before execution, with no open or declined offer; docs/INSIGHTS.md, 'Fast lane'.",
    responses=error_responses(401, 403, 404, 409, 422, 503))
