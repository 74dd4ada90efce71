"""The one settings object. Embedded defaults need nothing; environment variables switch to production."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_POLICY_FILE = Path(__file__).resolve().parent.parent / "policy" / "default.yaml"
# Signs tokens in dev mode only: it is in the repository, so anyone can forge an admin token with it.
DEV_JWT_SECRET = "dev-only-secret-change-me-in-production-0123456789"


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

    jwt_secret: SecretStr = SecretStr(DEV_JWT_SECRET)
    jwt_ttl_minutes: int = 60
    jwt_max_age_minutes: int = Field(
        720, ge=1, description="a token older than this (from its iat) is refused, whatever its exp says"
    )

    api_max_body_bytes: int = Field(1_048_576, ge=1024, description="larger request bodies get 413")
    api_codec_max_body_bytes: int = Field(
        16_777_216, ge=1024, description="body limit of /codec/* (the Temporal UI sends whole histories)"
    )
    fresh_binding_audit_days: int = Field(
        30, ge=0, description="a consumer login this new has its personal-data reads audited like staff reads"
    )

    login_attempts_per_user: str = Field(
        "5/minute;20/hour", description="failed logins per username (limits syntax, e.g. 5/minute)"
    )
    login_attempts_per_address: str = Field(
        "30/minute;200/hour", description="failed logins per client address (limits syntax)"
    )
    login_lockout_base_seconds: int = Field(
        60, ge=1, description="first lockout after the per-user limit; doubles with each further lockout"
    )
    login_lockout_max_seconds: int = Field(3600, ge=1)
    rate_limit_storage: str = Field(
        "memory://", description="limits storage URI: memory:// (one process) or redis://host:6379 (shared)"
    )
    payload_key: SecretStr | None = Field(
        None, description="base64 of 32 bytes; when set, Temporal payloads are encrypted (AES-GCM)"
    )
    dev_mode: bool = Field(True, description="seed demo data and demo users on start")
    audit_chain_key: SecretStr | None = Field(
        None, description="secret of the audit log's HMAC chain, kept out of the database; required unless DEV_MODE"
    )
    audit_anchor_interval_seconds: int = Field(
        60, ge=1, description="how often the anchor workflow copies the audit chain's head into Temporal"
    )

    insights_drain_seconds: float = Field(
        2.0,
        gt=0,
        description="how often each worker folds the cases marked for insights (insights/pending.py); an "
        "insights query also folds what is still marked before it answers",
    )
    insights_drain_chunk: int = Field(500, ge=1, description="cases folded per drain transaction")

    workflow_local_writes: bool = Field(
        True,
        description="new cases write a step's records as one local activity per workflow task, in one "
        "transaction (one round trip per step); false files them with a regular activity per write, as before "
        "issue 15 (docs/VERSIONING.md)",
    )
    worker_activity_threads: int = 8
    worker_max_concurrent_workflow_tasks: int = 20
    worker_max_cached_workflows: int = 1000
    worker_sticky_timeout_seconds: float = Field(
        60.0,
        gt=0,
        description="how long a workflow task waits on the worker that holds the case in memory before any "
        "worker may take it; longer than the worker's longest pause (a shorter one let a query answered during "
        "the pause make the case's history unreplayable: docs/RELIABILITY.md)",
    )

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


def production_secret_problem(settings: Settings) -> str | None:
    """Why these settings must not run in production (DEV_MODE=false), or None when they may."""
    if settings.dev_mode:
        return None
    secret = settings.jwt_secret.get_secret_value()
    if not secret.strip():
        return "JWT_SECRET is empty; set at least 32 random bytes (DEV_MODE=false)"
    if secret == DEV_JWT_SECRET:
        return "JWT_SECRET is the built-in development value; set your own (DEV_MODE=false)"
    return None


def require_production_secrets(settings: Settings, process: str) -> None:
    """Refuse to start on a secret anyone can forge tokens with: one line on stderr, exit status 1."""
    problem = production_secret_problem(settings)
    if problem is not None:
        raise SystemExit(f"error: the {process} refuses to start: {problem}")


@lru_cache
def get_settings() -> Settings:
    return Settings()
