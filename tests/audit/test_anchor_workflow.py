"""The anchor workflow keeps the chain's head in Temporal; a deleted tail is found against its checkpoints."""

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from audit import service
from audit.anchors import ANCHOR_WORKFLOW_ID, AnchorActivities, anchor_now, ensure_anchor_workflow
from audit.chain import append_record
from core.binaries import SERVER_STARTUP_TIMEOUT, find_binary
from core.db import session_scope
from core.temporal import data_converter
from workflows.anchor import AuditAnchorWorkflow

T0 = datetime(2026, 3, 1, tzinfo=UTC)


async def test_checkpoints_in_the_anchor_workflows_history_reveal_a_deleted_tail(chain_engine):
    for i in range(5):
        with session_scope(chain_engine) as s:
            append_record(
                s,
                event_key=f"a-{i}",
                complaint_id="c",
                at=T0 + timedelta(seconds=i),
                actor_kind="system",
                actor_id="w",
                action="tick",
            )
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_startup_timeout=SERVER_STARTUP_TIMEOUT,
        test_server_existing_path=find_binary("temporal-test-server"),
        data_converter=data_converter(),
    )
    try:
        queue = f"anchor-{uuid.uuid4().hex[:8]}"
        async with Worker(
            env.client,
            task_queue=queue,
            workflows=[AuditAnchorWorkflow],
            activities=[AnchorActivities(chain_engine).read_chain_head],
            activity_executor=ThreadPoolExecutor(2),
        ):
            await ensure_anchor_workflow(env.client, queue, 3600)
            await ensure_anchor_workflow(env.client, queue, 3600)  # every worker calls it: still one workflow
            head = await anchor_now(env.client)
            assert (head.count, head.hash.startswith("h1:")) == (5, True)
            assert (await service.verify(chain_engine, env.client)).ok
            with chain_engine.begin() as conn:
                conn.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": head.seq})
            verdict = await service.verify(chain_engine, env.client)
            assert not verdict.ok and verdict.first_broken_id == head.seq
            assert "newest rows deleted" in verdict.reason and f"temporal:{ANCHOR_WORKFLOW_ID} event" in verdict.reason
            await env.client.get_workflow_handle(ANCHOR_WORKFLOW_ID).terminate("test over")
    finally:
        await env.shutdown()
    offline = await service.verify(chain_engine, None)
    assert offline.ok and "no Temporal connection" in offline.findings[0]
