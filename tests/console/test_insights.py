"""The insights page in the browser: plotly.js charts (served from the installed plotly wheel) show the seeded
figures (the trend, top merchants and SKUs by rate, the root causes), and the active early-warning flags are
listed with their evidence."""

import uuid
from datetime import UTC, datetime, timedelta

from core.db import session_scope
from insights import facts, orders
from models.insight_tables import InsightFlag
from tests.console.conftest import shoot
from tests.insights.seed import add_complaints, add_merchant, add_orders


def _seed(engine) -> dict[str, str]:
    """Over the last ten days a merchant's SKU draws 12 complaints on 100 order lines (120 per 1000, flagged),
    a calm merchant's 6 on 200 (30 per 1000)."""
    now = datetime.now(UTC)
    tag = uuid.uuid4().hex[:6]
    hot, calm = f"IMH-{tag}", f"IMC-{tag}"
    sold = now - timedelta(days=10)
    ids = []
    for merchant, per_day, days_ago, cause in (
        (hot, 10, [9, 7, 6, 5, 4, 4, 3, 3, 2, 2, 1, 1], "merchant_product"),
        (calm, 20, [8, 6, 4, 3, 2, 1], "carrier"),
    ):
        add_merchant(engine, merchant)
        line_ids = [
            line
            for day in range(10)
            for line in add_orders(
                engine, merchant, f"SKU-{merchant}", "electronics", sold + timedelta(days=day), per_day
            )
        ]
        for line, ago in zip(line_ids, days_ago, strict=False):
            ids += add_complaints(
                engine, merchant, f"SKU-{merchant}", [line], now - timedelta(days=ago), root_cause=cause
            )
    orders.refresh_days(engine, sold.date(), now.date())
    facts.rebuild(engine, ids)
    with session_scope(engine) as session:
        session.add(
            InsightFlag(
                subject_kind="merchant",
                subject_id=hot,
                merchant_id=hot,
                category="electronics",
                raised_at=now,
                last_evaluated_at=now,
                evidence={
                    "complaints": 12,
                    "lines": 100,
                    "rate_per_1000": 120.0,
                    "tests": [
                        {
                            "reference": "category",
                            "reference_complaints": 6,
                            "reference_lines": 200,
                            "reference_rate_per_1000": 30.0,
                            "expected_complaints": 4.0,
                            "ratio": 4.0,
                            "p_value": 0.000121,
                        }
                    ],
                },
            )
        )
    return {"hot": hot, "calm": calm}


async def _chart(page, chart_id: str) -> list[dict]:
    """The traces plotly.js drew into the chart (it keeps them on the element as `data`)."""
    return await page.evaluate(
        "(id) => document.getElementById(id).data.map((t) => ({x: t.x, y: t.y, labels: t.labels, values: t.values}))",
        chart_id,
    )


async def test_insights_page_charts_the_seeded_figures_and_lists_the_flags(console):
    seeded = _seed(console.engine)
    library = await console.http.get("/console/lib/plotly.min.js")
    assert library.status_code == 200 and library.headers["content-type"].startswith("text/javascript")
    assert "script-src 'self'" in library.headers["content-security-policy"] and b"plotly.js v" in library.content[:200]

    page = await console.page("super1", "demo-password")
    await page.click("nav a[href='#/insights']")
    await page.wait_for_selector(".insights[data-drawn=true]")
    for chart in ("chart-trend", "chart-merchants", "chart-skus", "chart-root-causes"):
        assert await page.locator(f"#{chart} svg.main-svg").count() >= 1, chart  # drawn as SVG by plotly.js

    merchants = (await _chart(page, "chart-merchants"))[0]
    by_merchant = dict(zip(merchants["y"], merchants["x"], strict=True))
    assert by_merchant[seeded["hot"]] == 120.0 and by_merchant[seeded["calm"]] == 30.0
    assert merchants["y"][-1] == seeded["hot"]  # the highest rate is drawn on top
    skus = (await _chart(page, "chart-skus"))[0]
    assert dict(zip(skus["y"], skus["x"], strict=True))[f"SKU-{seeded['hot']}"] == 120.0
    causes = (await _chart(page, "chart-root-causes"))[0]
    by_cause = dict(zip(causes["labels"], causes["values"], strict=True))
    assert by_cause["Product"] >= 12 and by_cause["Carrier"] >= 6
    trend = (await _chart(page, "chart-trend"))[0]
    per_day = dict(zip(trend["x"], trend["y"], strict=True))
    assert len(per_day) >= 90 and sum(per_day.values()) >= 18  # every day of the window, the quiet ones as 0
    assert per_day[(datetime.now(UTC) - timedelta(days=4)).date().isoformat()] >= 3
    # The bars are really on screen: one rectangle per merchant listed.
    assert await page.locator("#chart-merchants .bars .point").count() == len(merchants["y"])

    flag = page.locator(f"#insight-flags tr[data-flag='{seeded['hot']}']")
    await flag.wait_for()
    text = await flag.inner_text()
    assert "120" in text and "12/100" in text and "Ratio 4" in text and "p=0.000121" in text
    assert await page.locator(f"#insight-flags tr[data-flag='{seeded['calm']}']").count() == 0
    await shoot(page, "supervisor-insights")
    assert not [e for e in console.page_errors if "plotly" in e.lower() or "refused" in e.lower()], console.page_errors

    await page.select_option("#insight-window", "30")
    await page.wait_for_function("location.hash === '#/insights/30'")
    await page.wait_for_selector(".insights[data-drawn=true]")
