"""`complaints up`'s configuration: the stack's ports and paths, each child's command line and environment,
and the check that every port is free before anything starts."""

import socket
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from core import search_attributes
from core.binaries import find_binary


class StackError(RuntimeError):
    """A startup failure the operator can act on; the message says what and how."""


@dataclass(frozen=True)
class StackConfig:
    data_dir: Path
    temporal_port: int = 7233
    ui_port: int = 8233
    api_port: int = 8000
    namespace: str = "default"
    task_queue: str = "complaints"
    api_metrics_port: int = 9180  # 0: off
    worker_metrics_port: int = 9181  # 0: off
    codec_port: int = 8234  # the dev codec's, used only when payloads are encrypted
    host: str = "127.0.0.1"  # loopback only: the dev server skips security checks

    @property
    def codec_url(self) -> str:
        return f"http://{self.host}:{self.codec_port}"

    @property
    def temporal_address(self) -> str:
        return f"{self.host}:{self.temporal_port}"

    @property
    def ui_url(self) -> str:
        return f"http://{self.host}:{self.ui_port}"

    @property
    def api_url(self) -> str:
        return f"http://{self.host}:{self.api_port}"

    @property
    def temporal_db(self) -> Path:
        return self.data_dir / "temporal.db"

    @property
    def temporal_log(self) -> Path:
        return self.data_dir / "logs" / "temporal.log"


def temporal_command(cfg: StackConfig, codec_endpoint: str | None = None) -> list[str]:
    """`codec_endpoint`: when payloads are encrypted, the UI asks the API's /codec to show them."""
    return [
        find_binary("temporal"),
        "server",
        "start-dev",
        "--ip",
        cfg.host,
        "--port",
        str(cfg.temporal_port),
        "--ui-port",
        str(cfg.ui_port),
        "--namespace",
        cfg.namespace,
        "--db-filename",
        str(cfg.temporal_db),
        # WAL roughly doubles the dev server's throughput here (shared/temporal-notes.md).
        "--sqlite-pragma",
        "journal_mode=WAL",
        "--sqlite-pragma",
        "synchronous=NORMAL",
        "--ui-disable-news-fetch",  # the UI would otherwise call out to the internet
        *search_attributes.cli_flags(),
        *(["--ui-codec-endpoint", codec_endpoint] if codec_endpoint else []),
    ]


def worker_command() -> list[str]:
    return [sys.executable, "-m", "worker"]


def api_command(cfg: StackConfig) -> list[str]:
    return [sys.executable, "-m", "uvicorn", "api.main:app", "--host", cfg.host, "--port", str(cfg.api_port)]


def codec_command(cfg: StackConfig) -> list[str]:
    return [sys.executable, "-m", "cli.dev_codec", "--port", str(cfg.codec_port)]


def child_environment(cfg: StackConfig, base: Mapping[str, str]) -> dict[str, str]:
    """The operator's environment, pointed at the embedded server: the children read it via Settings."""
    env = {
        k: v
        for k, v in base.items()
        if k not in {"TEMPORAL_TLS_CA", "TEMPORAL_TLS_CERT", "TEMPORAL_TLS_KEY", "TEMPORAL_API_KEY"}
    }
    env.update(
        {
            "DATA_DIR": str(cfg.data_dir),
            "TEMPORAL_ADDRESS": cfg.temporal_address,
            "TEMPORAL_NAMESPACE": cfg.namespace,
            "TEMPORAL_TASK_QUEUE": cfg.task_queue,
            "TEMPORAL_TLS": "false",
            "TEMPORAL_UI_PORT": str(cfg.ui_port),
            "API_HOST": cfg.host,
            "API_PORT": str(cfg.api_port),
            "METRICS_HOST": cfg.host,
            "API_METRICS_PORT": str(cfg.api_metrics_port),
            "WORKER_METRICS_PORT": str(cfg.worker_metrics_port),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def stack_ports(cfg: StackConfig, with_codec: bool) -> list[tuple[int, str, str]]:
    """(port, what, how to change it) for every port the stack will listen on."""
    ports = [
        (cfg.temporal_port, "Temporal gRPC", "--temporal-port"),
        (cfg.ui_port, "Temporal UI", "--ui-port"),
        (cfg.api_port, "API", "--api-port"),
        (cfg.api_metrics_port, "API metrics", "API_METRICS_PORT=N (0 turns them off)"),
        (cfg.worker_metrics_port, "worker metrics", "WORKER_METRICS_PORT=N (0 turns them off)"),
    ]
    if with_codec:
        ports.append((cfg.codec_port, "dev payload codec", "--codec-port"))
    return [entry for entry in ports if entry[0]]


def port_taken(host: str, port: int) -> bool:
    """Would a server fail to listen here? SO_REUSEADDR, as uvicorn and Temporal set it themselves: a port
    whose last connections linger in TIME_WAIT after a stop is free to them, and so it is to this probe."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
            sock.listen(1)
        except OSError:
            return True
    return False


def ensure_ports_free(cfg: StackConfig, with_codec: bool = False) -> None:
    ports = stack_ports(cfg, with_codec)
    numbers = [port for port, _, _ in ports]
    if len(set(numbers)) < len(numbers):
        raise StackError(f"the stack's ports must all differ: {', '.join(f'{w} {p}' for p, w, _ in ports)}")
    for port, what, option in ports:
        if port_taken(cfg.host, port):
            raise StackError(
                f"port {port} ({what}) is already in use on {cfg.host}: stop whatever holds it "
                f"(another `complaints up`?) or choose another port with {option}"
            )
