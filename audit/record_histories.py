"""Re-record tests/histories/: one finished history per workflow path, from the real workflow.

    python -m audit.record_histories                 # every scenario
    python -m audit.record_histories tier1_resolved  # just these

Runs against a time-skipping Temporal server and a throwaway SQLite database; payloads are recorded
without encryption so CI can replay them without a key. Re-record only on purpose (see
docs/VERSIONING.md): these files are the guard that keeps running cases replayable.
"""

import asyncio
import json
import sys
import tempfile
import uuid
from pathlib import Path

from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment

from audit.scenarios import SCENARIOS, CaseDriver
from core import search_attributes
from core.binaries import SERVER_STARTUP_TIMEOUT, find_binary
from core.db import make_engine
from core.migrate import upgrade_database
from core.settings import DEFAULT_POLICY_FILE, Settings
from core.temporal import data_converter
from policy.loader import load_policy

HISTORY_DIR = Path(__file__).resolve().parent.parent / "tests" / "histories"


def history_document(name: str, history: WorkflowHistory) -> str:
    data = json.loads(history.to_json())
    return json.dumps({"scenario": name, "workflowId": history.workflow_id, "events": data["events"]}, indent=1)


async def record(names: list[str], out_dir: Path = HISTORY_DIR) -> list[Path]:
    from runtime.worker_build import build_worker

    unknown = sorted(set(names) - set(SCENARIOS))
    if unknown:
        raise SystemExit(f"unknown scenarios: {', '.join(unknown)}; known: {', '.join(SCENARIOS)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'record.db'}"
        upgrade_database(url)
        engine = make_engine(url)
        env = await WorkflowEnvironment.start_time_skipping(
            test_server_startup_timeout=SERVER_STARTUP_TIMEOUT,
            test_server_existing_path=find_binary("temporal-test-server"),
            data_converter=data_converter(),
        )
        try:
            await search_attributes.register(env.client)
            task_queue = f"record-{uuid.uuid4().hex[:8]}"
            async with build_worker(env.client, engine, Settings(), task_queue=task_queue):
                driver = CaseDriver(env, engine, task_queue, load_policy(DEFAULT_POLICY_FILE))
                for name in names:
                    cid = await SCENARIOS[name](driver)
                    await driver.finish(cid)
                    history = await driver.handle(cid).fetch_history()
                    path = out_dir / f"{name}.json"
                    path.write_text(history_document(name, history), encoding="utf-8")
                    written.append(path)
                    print(f"recorded {name}: {len(history.events)} events -> {path}")
        finally:
            await env.shutdown()
            engine.dispose()
    return written


def main() -> None:
    asyncio.run(record(sys.argv[1:] or list(SCENARIOS)))


if __name__ == "__main__":
    main()
