"""Browser tests: the API (with the console) served over real HTTP, a worker, the Temporal dev server, and
Debian's Chromium driven by Playwright (no browser download). One stack per module; one browser context per
user, so each user has their own sessionStorage like separate people at separate machines.

On failure every open page is saved as a PNG under test-results/console/. With CONSOLE_SCREENSHOTS=DIR the
tests also save the documentation screenshots (docs/screenshots) at their key moments.
"""

import asyncio
import contextlib
import os
import shutil
import socket
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
import uvicorn
import yaml
from sqlalchemy.engine import Engine

from api.main import create_app
from api.security import create_access_token, hash_password
from core.db import make_engine, session_scope
from core.migrate import upgrade_database
from models.tables import User
from policy.loader import load_policy
from runtime.worker_build import build_worker
from seed.demo import seed_demo
from tests.api.conftest import _terminate_open_cases, api_settings
from tests.workflows.factories import make_order

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
PASSWORD = "console-test-password"
FAILURES = Path(__file__).resolve().parents[2] / "test-results" / "console"
DOC_SHOTS = os.environ.get("CONSOLE_SCREENSHOTS")
# Playwright's own waits: generous for a loaded 2-core machine, still far below the suite's timeout.
WAIT_MS = 20_000
INTAKE_SECONDS = 24

pytest.importorskip("playwright.async_api")
# Imported only once the skip above has found Playwright.
from playwright.async_api import Browser, BrowserContext, Page, async_playwright  # noqa: E402
from playwright.async_api import Error as PlaywrightError  # noqa: E402


def pytest_collection_modifyitems(config, items):
    browser_tests = [item for item in items if "console" in getattr(item, "fixturenames", ())]
    if not browser_tests or shutil.which(CHROMIUM) or Path(CHROMIUM).exists():
        return
    if os.environ.get("CI") == "true":
        raise pytest.UsageError(f"CI needs Chromium at {CHROMIUM} for tests/console (apt-get install chromium)")
    skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    for item in browser_tests:  # the plain API reads still run
        item.add_marker(skip)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.console_failed = report.failed
    return report


@dataclass
class Party:
    consumer: str
    merchant: str
    order_id: str
    line_id: str


@dataclass
class Stack:
    base_url: str
    engine: Engine
    settings: object
    browser: Browser
    http: httpx.AsyncClient
    contexts: list[BrowserContext] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def token(self, user_id: str, role: str) -> str:
        return create_access_token(self.settings, user_id=user_id, role=role)

    def party(self, **order_options) -> Party:
        """A fresh order with a consumer and a merchant who can log in with PASSWORD."""
        who = make_order(self.engine, **order_options)
        tag = who.order_id.removeprefix("O-")
        consumer, merchant = f"c{tag}", f"m{tag}"
        now = datetime.now(UTC)
        with session_scope(self.engine) as session:
            session.add(
                User(
                    id=f"U-{consumer}",
                    username=consumer,
                    hashed_password=hash_password(PASSWORD),
                    role="consumer",
                    consumer_id=who.consumer.id,
                    created_at=now,
                )
            )
            session.add(
                User(
                    id=f"U-{merchant}",
                    username=merchant,
                    hashed_password=hash_password(PASSWORD),
                    role="merchant",
                    merchant_id=who.merchant.id,
                    created_at=now,
                )
            )
        return Party(consumer=consumer, merchant=merchant, order_id=who.order_id, line_id=who.line_ids[0])

    async def page(self, username: str, password: str = PASSWORD, lang: str = "en") -> Page:
        """A new browser context logged in through the console's own login form."""
        context = await self.browser.new_context(
            viewport={"width": 1280, "height": 860}, locale=lang, timezone_id="Asia/Shanghai"
        )
        context.set_default_timeout(WAIT_MS)
        await context.add_init_script(f"localStorage.setItem('complaintdesk.lang', {lang!r})")
        self.contexts.append(context)
        page = await context.new_page()
        page.on("pageerror", lambda err: self.page_errors.append(f"{username}: {err}"))
        page.on(
            "console", lambda msg: self.page_errors.append(f"{username}: {msg.text}") if msg.type == "error" else None
        )
        await page.goto(f"{self.base_url}/console/")
        await page.fill("input[name=username]", username)
        await page.fill("input[name=password]", password)
        await page.click("#login-form button[type=submit]")
        await page.wait_for_selector("#logout")
        return page

    async def act(self, user_id: str, role: str, complaint_id: str, step: str, body: dict) -> dict:
        """An API call made outside the browser (to set a case up quickly)."""
        response = await self.http.post(
            f"/complaints/{complaint_id}/{step}",
            json=body,
            headers={"Authorization": f"Bearer {self.token(user_id, role)}", "Idempotency-Key": uuid.uuid4().hex},
        )
        assert response.status_code == 200, response.text
        return response.json()

    async def live(self, complaint_id: str, predicate, attempts: int = 200) -> dict:
        headers = {"Authorization": f"Bearer {self.token('U-agent1', 'agent')}"}
        for _ in range(attempts):
            live = (await self.http.get(f"/complaints/{complaint_id}", headers=headers)).json().get("live")
            if live and predicate(live):
                return live
            await asyncio.sleep(0.1)
        raise AssertionError(f"{complaint_id} never reached the expected state: {live}")


async def shoot(page: Page, name: str) -> None:
    """A documentation screenshot, only when CONSOLE_SCREENSHOTS names a directory."""
    if DOC_SHOTS:
        Path(DOC_SHOTS).mkdir(parents=True, exist_ok=True)
        await page.evaluate("window.scrollTo(0, 0)")
        await page.screenshot(path=str(Path(DOC_SHOTS) / f"{name}.png"))


def _test_policy(directory: Path) -> Path:
    """The default policy with a survey sent seconds (not two days) after execution, so a case can close here,
    and an intake clock of seconds, so a queue's countdown turns amber and red while a test watches."""
    data = load_policy(Path(__file__).resolve().parents[2] / "policy" / "default.yaml").model_dump(mode="json")
    data["version"] = "console-test"
    data["review"]["survey_delay"] = "PT3S"
    data["intake"]["completion"] = f"PT{INTAKE_SECONDS}S"
    path = directory / "policy.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@pytest_asyncio.fixture(scope="module")
async def stack(dev_env, tmp_path_factory) -> AsyncIterator[Stack]:
    data_dir = tmp_path_factory.mktemp("console")
    url = f"sqlite:///{data_dir / 'console.db'}"
    upgrade_database(url)
    engine = make_engine(url)
    seed_demo(engine, now=datetime.now(UTC))
    task_queue = f"console-{uuid.uuid4().hex[:8]}"
    settings = api_settings(data_dir, temporal_task_queue=task_queue, policy_file=_test_policy(data_dir))
    app = create_app(settings, client=dev_env.client, engine=engine)
    sock = _free_socket()
    base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    async with build_worker(dev_env.client, engine, settings, task_queue=task_queue):
        serving = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started:
            await asyncio.sleep(0.05)
        async with async_playwright() as playwright, httpx.AsyncClient(base_url=base_url, timeout=30) as http:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                yield Stack(base_url=base_url, engine=engine, settings=settings, browser=browser, http=http)
            finally:
                await browser.close()
        server.should_exit = True
        await serving
    await _terminate_open_cases(dev_env.client, engine)
    engine.dispose()


@pytest_asyncio.fixture
async def console(stack, request) -> AsyncIterator[Stack]:
    """The module's stack; every browser context opened by the test is closed after it (screenshots on failure)."""
    yield stack
    if getattr(request.node, "console_failed", False):
        print("browser errors:", *stack.page_errors, sep="\n  ")
        FAILURES.mkdir(parents=True, exist_ok=True)
        for i, context in enumerate(stack.contexts):
            for j, page in enumerate(context.pages):
                with contextlib.suppress(PlaywrightError):  # a crashed page has nothing to show
                    await page.screenshot(path=str(FAILURES / f"{request.node.name}-{i}-{j}.png"), full_page=True)
    for context in stack.contexts:
        await context.close()
    stack.contexts.clear()
    stack.page_errors.clear()
