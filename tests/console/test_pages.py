"""The console is served by the API process, renders in both languages and shows refusals where they belong."""

from tests.console.conftest import shoot


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
    assert await page.locator('textarea[name=description]').get_attribute("aria-invalid") == "true"
    await shoot(page, "consumer-refused")
