"""The four flows, walked in headless Chromium by the people who do them."""

import hashlib

from playwright.async_api import expect
from sqlmodel import Session

from models.tables import Complaint
from tests.console.conftest import shoot

DESCRIPTION = "屏幕破损 the screen is cracked"
PHOTO = b"\xff\xd8\xff\xe0 a photo of a cracked screen"


async def test_tier1_from_filing_to_closed(console):
    party = console.party()
    consumer = await console.page(party.consumer, lang="zh-CN")
    await consumer.click("a[href='#/file']")
    await consumer.fill("input[name=order_id]", party.order_id)
    await consumer.fill("input[name=order_line_id]", party.line_id)
    await consumer.fill("textarea[name=description]", DESCRIPTION)
    await consumer.set_input_files(
        "#file-form input[name=evidence_file]", files=[{"name": "crack.jpg", "mimeType": "image/jpeg", "buffer": PHOTO}]
    )
    sha = consumer.locator("#file-form input[name=sha256]")
    await expect(sha).to_have_value(hashlib.sha256(PHOTO).hexdigest())  # computed in the browser
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


async def _case_at_tier3(console) -> tuple[str, object]:
    """Filed, classified, liability set and two offers declined, through the API: the third needs a supervisor."""
    party = console.party()
    consumer = (f"U-{party.consumer}", "consumer")
    response = await console.http.post(
        "/complaints",
        json={
            "order_id": party.order_id,
            "order_line_id": party.line_id,
            "description": DESCRIPTION,
            "evidence": [
                {"kind": "photo", "attachment_ref": "s3://ev/crack.jpg", "sha256": hashlib.sha256(PHOTO).hexdigest()}
            ],
        },
        headers={"Authorization": f"Bearer {console.token(*consumer)}", "Idempotency-Key": f"file-{party.order_id}"},
    )
    assert response.status_code == 201, response.text
    cid = response.json()["complaint_id"]
    await console.live(cid, lambda s: s["stage"] == "classification")
    await console.act("U-agent1", "agent", cid, "classification-review", {"confirm": True})
    await console.act("U-agent1", "agent", cid, "liability", {"party": "merchant", "reason": "photo shows the crack"})
    for _ in range(2):
        offer = (await console.act("U-agent1", "agent", cid, "offers", {"refund_mode": "refund_only"}))["offers"][-1]
        await console.act(*consumer, cid, "offer-response", {"offer_id": offer["offer_id"], "accept": False})
    await console.act("U-agent1", "agent", cid, "offers", {"refund_mode": "refund_only", "note": "platform advances"})
    await console.live(cid, lambda s: any(p["action"] == "approve_tier3" for p in s["pending_actions"]))
    return cid, party


async def test_tier3_needs_the_supervisor_the_agent_sees_no_approve_button(console):
    cid, _ = await _case_at_tier3(console)
    agent = await console.page("agent1", "demo-password")
    await agent.goto(f"{console.base_url}/console/#/case/{cid}")
    await agent.wait_for_selector("#actions")
    await agent.wait_for_selector(".ladder li.now:has-text('tier 3')")
    assert await agent.locator("#act-approve_tier3").count() == 0
    assert await agent.locator("button[value=approve]").count() == 0
    assert "awaiting approval" in await agent.locator(".status-awaiting_approval").inner_text()

    supervisor = await console.page("super1", "demo-password")
    approval = supervisor.locator(f"article.approval[data-id='{cid}']")
    await approval.wait_for()
    assert "¥199.00" in await approval.inner_text() and "photo shows the crack" in await approval.inner_text()
    interview = supervisor.locator("tr[data-merchant=M013] strong.warn")  # the seed's repeat offender
    await interview.first.wait_for()
    await shoot(supervisor, "supervisor-board")
    await approval.locator("button[value=approve]").click()  # no reason: the API names the field
    error = approval.locator('[data-error-for="body.reason"]')
    await error.wait_for()
    assert await error.inner_text()
    await approval.locator("input[name=reason]").fill("merchant liable, platform advances")
    await approval.locator("button[value=approve]").click()
    await approval.wait_for(state="detached")
    live = await console.live(cid, lambda s: s["offers"][-1]["status"] == "pending")
    assert live["offers"][-1]["platform_advance"] is True
    # The agent's open page follows (server-sent events): the offer now waits for the consumer.
    await agent.wait_for_selector(".status-pending")


async def test_auditor_moves_the_slider_into_the_negotiation_and_sees_that_state(console):
    cid, _ = await _case_at_tier3(console)
    auditor = await console.page("audit1", "demo-password")
    await auditor.goto(f"{console.base_url}/console/#/audit/{cid}")
    await auditor.wait_for_selector("#chain.ok")
    await auditor.wait_for_selector("#replay.ok")
    timeline = (
        await console.http.get(
            f"/audit/cases/{cid}/timeline", headers={"Authorization": f"Bearer {console.token('U-audit1', 'auditor')}"}
        )
    ).json()
    points = [e for e in timeline["entries"] if e["history_event_id"]]
    first_offer = next(i for i, e in enumerate(points) if e["action"] == "offer_made")
    await auditor.wait_for_selector("#state-stage")
    await auditor.fill("#slider", str(first_offer))
    label = auditor.locator("#slider-label")
    assert f"(Event {points[first_offer]['history_event_id']})" in await label.inner_text()
    await auditor.wait_for_selector(f"#state-view:has-text('Event {points[first_offer]['history_event_id']}')")
    assert await auditor.locator("#state-stage").inner_text() == "negotiation"
    assert await auditor.locator("#state-tier").inner_text() == "tier 1 refund"
    assert "pending" in await auditor.locator("#state-offer").inner_text()  # then: the first offer, unanswered
    assert "consumer: respond to offer" in await auditor.locator("#state-pending").inner_text()
    await shoot(auditor, "auditor-case")
    async with auditor.expect_download() as download:
        await auditor.click("#download-csv")
    assert (await download.value).suggested_filename == f"{cid}-timeline.csv"
