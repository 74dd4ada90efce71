"""The one settings object. Embedded defaults need nothing; environment variables switch to production."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_POLICY_FILE = Path(__file__).resolve().parent.parent / "policy" / "default.yaml"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    data_dir: Path = Field(Path("data"), description="embedded SQLite file and dev-server history live here")
    database_url: str | None = Field(None, description="e.g. postgresql+psycopg://user@host/db; default SQLite")
    db_pool_size: int = 10

    temporal_address: str = "localhost:7233"
    temporal_namespace: str = "default"
    temporal_task_queue: str = "complaints"
    temporal_tls: bool = False
    temporal_tls_ca: Path | None = None
    temporal_tls_cert: Path | None = None
    temporal_tls_key: Path | None = None
    temporal_api_key: SecretStr | None = None
    temporal_ui_port: int = 8233

    api_host: str = "127.0.0.1"
    api_port: int = 8000

    policy_file: Path = DEFAULT_POLICY_FILE

    jwt_secret: SecretStr = SecretStr("dev-only-secret-change-me-in-production-0123456789")
    jwt_ttl_minutes: int = 60
    payload_key: SecretStr | None = Field(
        None, description="base64 of 32 bytes; when set, Temporal payloads are encrypted (AES-GCM)")
    dev_mode: bool = Field(True, description="seed demo data and demo users on start")

    worker_activity_threads: int = 8
    worker_max_concurrent_workflow_tasks: int = 20
    worker_max_cached_workflows: int = 1000

    # Operations (observability/, docs/OPERATIONS.md). Tracing is configured by the standard OTEL_* variables.
    log_format: Literal["text", "json"] = Field("text", description="text (readable) or json (one object a line)")
    log_level: str = "INFO"
    metrics_host: str = Field("127.0.0.1", description="address the /metrics servers bind (0.0.0.0 in a container)")
    api_metrics_port: int = Field(9180, description="the API's /metrics (HTTP and business figures); 0: off")
    worker_metrics_port: int = Field(9181, description="the worker's /metrics (Temporal SDK); 0: off")
    business_metrics_cache_seconds: int = 15

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'complaints.db').as_posix()}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
