"""The four flows, walked in headless Chromium by the people who do them."""

import hashlib

from sqlmodel import Session

from models.tables import Complaint
from tests.console.conftest import shoot

DESCRIPTION = "屏幕破损 the screen arrived cracked"
PHOTO = b"\xff\xd8\xff\xe0 a photo of a cracked screen"


async def test_tier1_from_filing_to_closed(console):
    party = console.party()
    consumer = await console.page(party.consumer, lang="zh-CN")
    await consumer.click("a[href='#/file']")
    await consumer.fill("input[name=order_id]", party.order_id)
    await consumer.fill("input[name=order_line_id]", party.line_id)
    await consumer.fill("textarea[name=description]", DESCRIPTION)
    await consumer.set_input_files("#file-form input[name=evidence_file]", files=[
        {"name": "crack.jpg", "mimeType": "image/jpeg", "buffer": PHOTO}])
    sha = consumer.locator("#file-form input[name=sha256]")
    await consumer.wait_for_function("document.querySelector('#file-form input[name=sha256]').value.length === 64")
    assert await sha.input_value() == hashlib.sha256(PHOTO).hexdigest()  # computed in the browser
    await consumer.click("#file-form button[type=submit]")
    await consumer.wait_for_url("**/console/#/case/CMP-*")
    cid = consumer.url.split("#/case/")[1]
    await console.live(cid, lambda s: s["stage"] == "classification")

    agent = await console.page("agent1", "demo-password")
    await agent.fill("#search", cid)
    await agent.press("#search", "Enter")
    await agent.wait_for_selector("#act-review_classification")
    await agent.keyboard.press("c")  # shortcut: claim
    await agent.wait_for_selector("#act-review_classification")
    await console.live(cid, lambda s: s["assignee"] == "U-agent1")
    assert "quality_defect" in await agent.locator("ul.rules").inner_text()  # the rules that fired
    await agent.click("#act-review_classification button[data-key=confirm]")
    await agent.wait_for_selector("#act-set_liability")
    await agent.fill("#act-set_liability input[name=reason]", "photo shows the crack")
    await agent.click("#act-set_liability button[type=submit]")
    offer = agent.locator("#act-make_offer")
    await offer.wait_for()
    refund = offer.locator("input[name=refund]")
    assert await refund.input_value() == "199.00"  # the policy's tier-1 amount: the paid amount
    await refund.fill("1990000")  # above what was paid: the workflow refuses and names the field
    await offer.locator("button[type=submit]").click()
    error = offer.locator('[data-error-for="body.refund_minor"]')
    await error.wait_for()
    assert "refund_minor" in await offer.locator(".form-error").inner_text() or await error.inner_text()
    await refund.fill("199.00")
    await offer.locator("button[type=submit]").click()
    await agent.wait_for_selector("#act-respond_to_offer")  # the agent may relay the consumer's answer
    await shoot(agent, "agent-case")

    # The consumer's page moved on by itself (server-sent events): the offer is waiting for an answer.
    answer = consumer.locator("#act-respond_to_offer")
    await answer.wait_for()
    assert "¥199.00" in await answer.inner_text()
    await answer.locator("button[value=accept]").click()
    await console.live(cid, lambda s: any(p["action"] == "confirm_merchant_refund" for p in s["pending_actions"]))

    merchant = await console.page(party.merchant)
    await merchant.wait_for_selector(f"tr[data-id='{cid}'] .owe")
    assert "confirm merchant refund" in (await merchant.locator(f"tr[data-id='{cid}'] .owe").inner_text()).lower()
    await shoot(merchant, "merchant-my-cases")
    await merchant.click(f"a[href='#/case/{cid}']")
    await merchant.fill("#act-confirm_merchant_refund input[name=reference]", "RF-CONSOLE-1")
    await merchant.click("#act-confirm_merchant_refund button[type=submit]")

    survey = consumer.locator("#act-answer_survey")
    await survey.wait_for(timeout=30_000)  # sent by the workflow seconds after execution (test policy)
    await shoot(consumer, "consumer-case")
    await survey.locator("input[name=resolved_score]").fill("95")
    await survey.locator("input[name=communication_score]").fill("90")
    await survey.locator("button[type=submit]").click()
    await consumer.wait_for_selector("#stage:has-text('已结案')")
    with Session(console.engine) as session:
        row = session.get(Complaint, cid)
        assert row.stage == "closed" and row.outcome == "resolved" and row.refunded_minor == 19900
