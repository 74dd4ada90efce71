"""New cases are classified by the classifier activity; its answer is what the case records."""

from models.enums import ComplaintType, DisputeClass, Stage
from tests.workflows.factories import make_order


async def test_a_merchant_who_never_answers_a_return_request_is_after_sales(driver):
    who = make_order(driver.engine)
    filed = await driver.file(who, "申请退货一个星期了，商家一直不处理，也不回消息")
    s = await driver.stage(filed.complaint_id, Stage.CLASSIFICATION)
    c = s.classification
    assert (c.type, c.dispute_class) == (ComplaintType.AFTER_SALES, DisputeClass.SERVICE)
    assert c.confidence is not None and not c.needs_agent
    assert any(rule.startswith("model: after_sales") for rule in c.rules_fired)
