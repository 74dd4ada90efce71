"""The console is served by the API process, renders in both languages and shows refusals where they belong."""

import asyncio
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from adapters.db_platform import DbMerchantDeposits
from models.tables import Complaint, RectificationInterview
from tests.console.conftest import INTAKE_SECONDS, shoot


async def test_console_is_served_with_a_strict_content_security_policy(console):
    response = await console.http.get("/console", follow_redirects=True)
    assert response.status_code == 200 and '<script type="module" src="js/main.js">' in response.text
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert (await console.http.get("/console/js/main.js")).headers["content-type"].startswith("text/javascript")


async def test_zh_cn_by_default_and_english_on_request(console):
    page = await console.page("agent1", "demo-password", lang="zh-CN")
    assert await page.locator("html").get_attribute("lang") == "zh-CN"
    await page.wait_for_selector("h1:has-text('工作队列')")
    assert await page.locator("nav.tabs a.here").inner_text() == "我的"
    await page.select_option("#lang", "en")
    await page.wait_for_selector("h1:has-text('Queues')")
    assert await page.locator("html").get_attribute("lang") == "en"
    assert await page.locator("nav.tabs a.here").inner_text() == "Mine"


async def test_a_refused_filing_shows_the_apis_message_next_to_the_field(console):
    party = console.party()
    page = await console.page(party.consumer)
    await page.click("a[href='#/file']")
    await page.fill("input[name=order_id]", party.order_id)
    await page.fill("input[name=order_line_id]", party.line_id)
    await page.click("#file-form button[type=submit]")  # no description
    error = page.locator('[data-error-for="body.description"]')
    await error.wait_for()
    assert "at least 1 character" in await error.inner_text()
    assert await page.locator("textarea[name=description]").get_attribute("aria-invalid") == "true"
    await shoot(page, "consumer-refused")


async def _file(console, party) -> str:
    response = await console.http.post(
        "/complaints",
        json={
            "order_id": party.order_id,
            "order_line_id": party.line_id,
            "description": "屏幕破损 cracked",
            "evidence": [{"kind": "photo", "attachment_ref": "s3://ev/x.jpg", "sha256": "a" * 64}],
        },
        headers={
            "Authorization": f"Bearer {console.token(f'U-{party.consumer}', 'consumer')}",
            "Idempotency-Key": f"file-{party.order_id}",
        },
    )
    assert response.status_code == 201, response.text
    return response.json()["complaint_id"]


async def test_events_stream_a_change_of_the_case_to_its_own_parties_only(console):
    party, other = console.party(), console.party()
    cid = await _file(console, party)
    await console.live(cid, lambda s: s["stage"] == "classification")

    def auth(user_id: str, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {console.token(user_id, role)}"}

    assert (
        await console.http.get(f"/events?complaint_id={cid}", headers=auth(f"U-{other.consumer}", "consumer"))
    ).status_code == 404  # not yours reads as does not exist
    assert (
        await console.http.get(f"/events?complaint_id={cid}", headers=auth(f"U-{other.merchant}", "merchant"))
    ).status_code == 404  # not yours reads as does not exist
    assert (await console.http.get("/events", headers=auth("U-admin1", "admin"))).status_code == 403
    assert (
        await console.http.get("/events?complaint_id=CMP-nope", headers=auth("U-agent1", "agent"))
    ).status_code == 404
    assert (await console.http.get("/events")).status_code == 401

    async with console.http.stream(
        "GET", f"/events?complaint_id={cid}", headers=auth(f"U-{party.consumer}", "consumer")
    ) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.aiter_lines()
        assert [await anext(lines) for _ in range(3)] == ["retry: 2000", "", "event: change"]
        assert '"stage": "classification"' in await anext(lines)  # where the case is when the stream opens
        await console.act("U-agent1", "agent", cid, "classification-review", {"confirm": True})

        async def next_stage() -> str:
            async for line in lines:
                if line.startswith("data:") and '"stage": "classification"' not in line:
                    return line
            raise AssertionError("the stream ended without the change")

        assert '"stage": "evidence"' in await asyncio.wait_for(next_stage(), 20)


async def test_case_timeline_is_for_staff(console):
    party = console.party()
    cid = await _file(console, party)
    await console.live(cid, lambda s: s["stage"] == "classification")
    for user, role in ((f"U-{party.consumer}", "consumer"), (f"U-{party.merchant}", "merchant"), ("U-admin1", "admin")):
        response = await console.http.get(
            f"/complaints/{cid}/timeline", headers={"Authorization": f"Bearer {console.token(user, role)}"}
        )
        assert response.status_code == 403, (role, response.text)
    response = await console.http.get(
        f"/complaints/{cid}/timeline", headers={"Authorization": f"Bearer {console.token('U-agent1', 'agent')}"}
    )
    actions = [e["action"] for e in response.json()["entries"]]
    assert actions[0] == "filed" and "classification_suggested" in actions


async def test_events_refuse_unknown_parameters(console):
    response = await console.http.get(
        "/events?limit=-1", headers={"Authorization": f"Bearer {console.token('U-agent1', 'agent')}"}
    )
    assert response.status_code == 422 and response.json()["error"]["details"][0]["field"] == "query.limit"


async def test_queue_countdown_turns_amber_at_the_warning_ratio_and_red_when_breached(console):
    party = console.party()
    response = await console.http.post(
        "/complaints",
        json={  # no evidence: the case waits in intake
            "order_id": party.order_id,
            "order_line_id": party.line_id,
            "description": "屏幕破损 cracked",
        },
        headers={
            "Authorization": f"Bearer {console.token(f'U-{party.consumer}', 'consumer')}",
            "Idempotency-Key": f"file-{party.order_id}",
        },
    )
    assert response.status_code == 201, response.text
    cid = response.json()["complaint_id"]
    live = await console.live(cid, lambda s: any(c["name"] == "intake_completion" for c in s["clocks"]))
    clock = next(c for c in live["clocks"] if c["name"] == "intake_completion")
    agent = await console.page("agent1", "demo-password")
    await agent.click("a[href='#/queues/all']")
    countdown = agent.locator(f"tr[data-id='{cid}'] td[data-col=due] .countdown")
    await countdown.wait_for()
    await agent.wait_for_selector(f"tr[data-id='{cid}'] td[data-col=due] .countdown[data-warn='{clock['warn_at']}']")
    await agent.wait_for_selector(f"tr[data-id='{cid}'] .countdown[data-level=amber]", timeout=INTAKE_SECONDS * 1000)
    await shoot(agent, "agent-queues")
    await agent.wait_for_selector(f"tr[data-id='{cid}'] .countdown[data-level=red]", timeout=INTAKE_SECONDS * 1000)
    # Red because the workflow breached that clock (it re-arms it for the next escalation level, still red).
    await console.live(cid, lambda s: any(c["name"] == "intake_completion" and c["breached"] for c in s["clocks"]))


async def test_supervisor_marks_a_rectification_interview_held_on_the_board(console):
    party = console.party()
    cid = await _file(console, party)
    with Session(console.engine) as session:
        merchant_id = session.get(Complaint, cid).merchant_id
    interview_id = f"{cid}:penalty"
    DbMerchantDeposits(console.engine).apply_penalty(
        interview_id,
        cid,
        merchant_id,
        0,
        datetime.now(UTC),
        2,
        True,
        interview_due=datetime.now(UTC) + timedelta(days=7),
    )
    page = await console.page("super1", "demo-password")
    await page.click("a[href='#/board']")
    row = page.locator(f"tr[data-interview='{interview_id}']")
    await row.wait_for()
    assert await row.get_attribute("data-state") == "open"
    await row.locator("button[type=submit]").click()  # no notes: refused at the field, nothing written
    error = row.locator('[data-error-for="body.notes"]')
    await error.wait_for()
    assert "at least 1 character" in await error.inner_text()
    assert session_held_by(console.engine, interview_id) is None
    await row.locator("textarea[name=notes]").fill("QC plan agreed")
    await row.locator("button[type=submit]").click()
    await page.wait_for_selector(f"tr[data-interview='{interview_id}'][data-state='held']")
    assert "QC plan agreed — U-super1" in await page.locator(f"tr[data-interview='{interview_id}']").inner_text()
    assert session_held_by(console.engine, interview_id) == "U-super1"


def session_held_by(engine, interview_id: str) -> str | None:
    with Session(engine) as session:
        return session.get(RectificationInterview, interview_id).held_by
