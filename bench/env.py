"""One benchmark or drill environment: a file-backed dev server, an application database, workers."""

import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Engine
from temporalio.client import Client

from bench.databases import sqlite_database
from bench.stack import DevServer, WorkerProcess, wait_for_pollers, worker_env
from core.db import make_engine


@dataclass
class BenchEnv:
    root: Path
    server: DevServer
    client: Client
    database_url: str
    engine: Engine
    workers: list[WorkerProcess] = field(default_factory=list)

    def worker(self, task_queue: str, *, module: str = "worker", **settings: object) -> WorkerProcess:
        """A worker process on `task_queue` (not yet started); `settings` become its environment."""
        env = worker_env(
            temporal_address=self.server.address,
            database_url=self.database_url,
            task_queue=task_queue,
            data_dir=self.root / "data",
            **{k: str(v) for k, v in settings.items()},
        )
        process = WorkerProcess(
            env=env, log_path=self.root / "logs" / f"{module}-{uuid.uuid4().hex[:6]}.log", module=module
        )
        self.workers.append(process)
        return process

    @asynccontextmanager
    async def running_worker(
        self, task_queue: str, *, module: str = "worker", **settings: object
    ) -> AsyncIterator[WorkerProcess]:
        process = self.worker(task_queue, module=module, **settings).start()
        try:
            await wait_for_pollers(self.client, task_queue, worker=process)
            yield process
        finally:
            process.stop()


@asynccontextmanager
async def bench_env(
    database_url: str | None = None, root: Path | None = None, dynamic_config: tuple[str, ...] = ()
) -> AsyncIterator[BenchEnv]:
    """Dev server and database under `root` (a fresh temporary directory by default), all stopped after."""
    with tempfile.TemporaryDirectory(prefix="complaints-bench-") as tmp:
        base = root or Path(tmp)
        server = DevServer(base / "temporal", dynamic_config=dynamic_config)
        await server.start()
        url = database_url or sqlite_database(base / "data")
        engine = make_engine(url)
        env = BenchEnv(root=base, server=server, client=await server.client(), database_url=url, engine=engine)
        try:
            yield env
        finally:
            for process in env.workers:
                process.stop()
            engine.dispose()
            server.stop()
