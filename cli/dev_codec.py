"""The dev stack's payload codec for the Temporal Web UI: loopback only, dev stack only, every decode audited.

The UI that `complaints up` starts has no login, so it has no token to send to the API's /codec (which
answers 401 to it). Instead `complaints up` starts this small server when PAYLOAD_KEY is set and points the
UI at it. It binds 127.0.0.1 and nothing else, refuses any request that does not come from this machine,
and records every decode in the audit chain (actor `system` / `dev-codec:temporal-ui`) before decrypting.
Production never runs it: there the UI calls the API's /codec with a staff token (docs/OPERATIONS.md).
"""

import argparse
import ipaddress
import uuid
from typing import Annotated

from cryptography.exceptions import InvalidTag
from fastapi import FastAPI, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from google.protobuf.message import DecodeError
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.errors import install_error_handlers, invalid_field
from api.routes.codec import Payloads, _to_json, _to_protos
from audit.chain import append_record
from core.codec import EncryptionCodec
from core.settings import Settings

HOST = "127.0.0.1"
ACTOR = "dev-codec:temporal-ui"
NOTICE = "dev stack only: loopback payload codec for the Temporal Web UI; every decode is audited"


def _loopback(request: Request) -> bool:
    try:
        return request.client is not None and ipaddress.ip_address(request.client.host).is_loopback
    except ValueError:
        return False


def _audit(engine: Engine, count: int, namespace: str | None, client: str) -> None:
    from datetime import UTC, datetime

    with Session(engine) as session:
        append_record(
            session,
            event_key=f"dev-codec:{uuid.uuid4().hex}",
            complaint_id=None,
            at=datetime.now(UTC),
            actor_kind="system",
            actor_id=ACTOR,
            action="payloads_decoded",
            details={"count": count, "namespace": namespace, "via": "dev-stack loopback codec", "client": client},
        )
        session.commit()


def create_codec_app(settings: Settings, engine: Engine) -> FastAPI:
    if settings.payload_key is None:
        raise SystemExit("the dev codec needs PAYLOAD_KEY: without it payloads are not encrypted")
    codec = EncryptionCodec.from_b64(settings.payload_key.get_secret_value())
    app = FastAPI(title="Complaint desk dev codec", description=NOTICE, docs_url=None, redoc_url=None)
    install_error_handlers(app)
    ui = settings.temporal_ui_port
    app.add_middleware(
        CORSMiddleware,
        allow_origins=[f"http://localhost:{ui}", f"http://127.0.0.1:{ui}"],
        allow_methods=["POST", "OPTIONS"],
        allow_headers=["Content-Type", "X-Namespace"],
    )

    @app.middleware("http")
    async def loopback_only(request: Request, call_next):
        if not _loopback(request):
            return JSONResponse({"error": {"code": "forbidden", "message": NOTICE}}, status_code=403)
        response = await call_next(request)
        response.headers["X-Dev-Codec"] = NOTICE
        return response

    @app.post("/encode")
    async def encode(body: Payloads) -> Payloads:
        return _to_json(await codec.encode(_to_protos(body)))

    @app.post("/decode")
    async def decode(
        request: Request, body: Payloads, namespace: Annotated[str | None, Header(alias="X-Namespace")] = None
    ) -> Payloads:
        protos = _to_protos(body)
        # Audited first: a decode that cannot be recorded is not performed.
        await run_in_threadpool(_audit, engine, len(protos), namespace, request.client.host if request.client else "")
        try:
            return _to_json(await codec.decode(protos))
        except (InvalidTag, DecodeError, ValueError) as exc:
            raise invalid_field("body.payloads", f"cannot be decrypted with this key ({type(exc).__name__})") from None

    return app


def main() -> None:
    import uvicorn

    from core.db import engine_from_settings
    from observability.logs import configure_logging

    parser = argparse.ArgumentParser(description=NOTICE)
    parser.add_argument("--port", type=int, required=True)
    port = parser.parse_args().port
    settings = Settings()
    configure_logging(settings.log_format, settings.log_level)
    engine = engine_from_settings(settings)
    uvicorn.run(create_codec_app(settings, engine), host=HOST, port=port, log_config=None)


if __name__ == "__main__":
    main()
