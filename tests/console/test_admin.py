"""The admin's pages: users with their party bindings, and the policy editor (errors by field path, diff, save)."""

import json

import yaml

from api.policy_store import active_policy_path
from tests.console.conftest import shoot


async def test_admin_saves_a_policy_with_an_error_then_a_valid_one(console):
    admin = await console.page("admin1", "demo-password")
    await admin.click("a[href='#/admin/policy']")
    editor = admin.locator("#policy-editor")
    await editor.wait_for()
    policy = json.loads(await editor.input_value())
    assert policy["version"] == "console-test"

    policy["version"] = "console-2"
    policy["sla"]["warning_ratio"] = 1.5
    await editor.fill(json.dumps(policy, indent=2))
    await admin.click("#policy-review")
    diff = admin.locator("#policy-diff")
    await diff.locator("td:has-text('sla.warning_ratio')").wait_for()
    assert "0.8" in await diff.inner_text() and "1.5" in await diff.inner_text()
    await admin.click("#policy-save")
    error = admin.locator("#policy-errors li[data-field='body.sla.warning_ratio']")
    await error.wait_for()
    assert "less than 1" in await error.inner_text()
    assert not active_policy_path(console.settings).exists()  # refused: nothing written

    policy["sla"]["warning_ratio"] = 0.75
    await editor.fill(json.dumps(policy, indent=2))
    await admin.click("#policy-review")
    await diff.locator("td:has-text('0.75')").wait_for()
    await shoot(admin, "admin-policy")
    await admin.click("#policy-save")
    await admin.wait_for_selector("#policy-meta:has-text('console-2')")
    saved = yaml.safe_load(active_policy_path(console.settings).read_text(encoding="utf-8"))
    assert saved["version"] == "console-2" and saved["sla"]["warning_ratio"] == 0.75


async def test_admin_sees_party_bindings_and_a_refused_user_names_its_field(console):
    admin = await console.page("admin1", "demo-password")
    row = admin.locator("tr[data-user=alice]")
    await row.wait_for()
    assert "C001" in await row.inner_text()
    form = admin.locator("#user-form")
    await form.locator("input[name=username]").fill("carol")
    await form.locator("input[name=password]").fill("a-long-passphrase")
    await form.locator("select[name=role]").select_option("consumer")
    await form.locator("button[type=submit]").click()
    error = form.locator('[data-error-for="body.consumer_id"]')
    await error.wait_for()
    assert "required for role consumer" in await error.inner_text()
    await form.locator("input[name=consumer_id]").fill("C002")
    await form.locator("button[type=submit]").click()
    await admin.locator("tr[data-user=carol]:has-text('C002')").wait_for()
    await shoot(admin, "admin-users")
