"""Prove bulk replay at scale: make N closed cases with the real workflow, then replay them with the CLI.

    python -m audit.bulk_replay_check 1000

Everything runs on a private time-skipping Temporal server and a throwaway SQLite database: a few real
tier-1 refunds, the rest withdrawn or rejected (the quickest real paths), then
`complaints audit replay-closed` as an auditor against that server, progress bar on stderr.
"""

import asyncio
import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from api.security import create_access_token
from audit.case_driver import CaseDriver
from audit.scenarios import rejected_not_your_order, tier1_resolved, withdrawn_in_classification
from core import search_attributes
from core.binaries import SERVER_STARTUP_TIMEOUT, find_binary
from core.db import make_engine, session_scope
from core.migrate import upgrade_database
from core.settings import DEFAULT_POLICY_FILE, Settings
from core.temporal import data_converter
from models.tables import User
from policy.loader import load_policy

BATCH = 20
FULL_CASES = 10


async def make_closed_cases(driver: CaseDriver, count: int) -> None:
    started = time.monotonic()
    full = min(FULL_CASES, count)
    for _ in range(full):  # these skip days: one at a time, or their clock jumps would overlap
        await driver.finish(await tier1_resolved(driver))
    rest = count - full
    quick = [withdrawn_in_classification] * (rest // 2) + [rejected_not_your_order] * (rest - rest // 2)
    for i in range(0, len(quick), BATCH):
        batch = quick[i : i + BATCH]
        cids = await asyncio.gather(*(path(driver) for path in batch))
        await asyncio.gather(*(driver.finish(cid) for cid in cids))
        print(f"closed cases: {full + i + len(batch)}/{count} ({time.monotonic() - started:.0f}s)", file=sys.stderr)


async def main(count: int) -> int:
    from runtime.worker_build import build_worker

    with tempfile.TemporaryDirectory(prefix="bulk-replay-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'cases.db'}"
        upgrade_database(url)
        engine = make_engine(url)
        with session_scope(engine) as s:
            s.add(
                User(
                    id="U-bulk-auditor",
                    username="bulk-auditor",
                    hashed_password="-",
                    role="auditor",
                    created_at=datetime.now(UTC),
                )
            )
        env = await WorkflowEnvironment.start_time_skipping(
            test_server_startup_timeout=SERVER_STARTUP_TIMEOUT,
            test_server_existing_path=find_binary("temporal-test-server"),
            data_converter=data_converter(),
        )
        try:
            await search_attributes.register(env.client)
            begin = await env.get_current_time()
            task_queue = f"bulk-{uuid.uuid4().hex[:8]}"
            async with build_worker(env.client, engine, Settings(), task_queue=task_queue):
                await make_closed_cases(CaseDriver(env, engine, task_queue, load_policy(DEFAULT_POLICY_FILE)), count)
            end = await env.get_current_time() + timedelta(minutes=1)
            secret = uuid.uuid4().hex * 2
            token = create_access_token(Settings(jwt_secret=secret), user_id="U-bulk-auditor", role="auditor")
            cli_env = {
                **os.environ,
                "DATABASE_URL": url,
                "JWT_SECRET": secret,
                "COMPLAINTS_TOKEN": token,
                "TEMPORAL_ADDRESS": env.client.service_client.config.target_host,
            }
            started = time.monotonic()
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "cli.main",
                "audit",
                "replay-closed",
                "--from",
                begin.isoformat(),
                "--to",
                end.isoformat(),
                env=cli_env,
                stdout=asyncio.subprocess.DEVNULL,
            )
            code = await proc.wait()
            print(f"replay-closed exited {code} after {time.monotonic() - started:.1f}s", file=sys.stderr)
            return code
        finally:
            await env.shutdown()
            engine.dispose()


if __name__ == "__main__":
    sys.exit(asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)))
