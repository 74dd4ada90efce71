"""One way to build the data converter and connect a client: worker, API, CLI, tests and Replayer."""

import dataclasses

from opentelemetry.trace import TracerProvider
from temporalio.client import Client, TLSConfig
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes
from temporalio.runtime import Runtime

from core.codec import EncryptionCodec
from core.settings import Settings


def data_converter(payload_key: str | None = None) -> DataConverter:
    """Pydantic-aware converter; with a key, payloads and failure messages are encrypted too."""
    if not payload_key:
        return pydantic_data_converter
    return dataclasses.replace(
        pydantic_data_converter,
        payload_codec=EncryptionCodec.from_b64(payload_key),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


def converter_from_settings(settings: Settings) -> DataConverter:
    key = settings.payload_key.get_secret_value() if settings.payload_key else None
    return data_converter(key)


def _tls(settings: Settings) -> TLSConfig | bool:
    if not (settings.temporal_tls or settings.temporal_tls_cert or settings.temporal_tls_ca):
        return False
    read = lambda p: p.read_bytes() if p else None  # noqa: E731
    return TLSConfig(
        server_root_ca_cert=read(settings.temporal_tls_ca),
        client_cert=read(settings.temporal_tls_cert),
        client_private_key=read(settings.temporal_tls_key),
    )


async def connect(
    settings: Settings, *, runtime: Runtime | None = None, tracer_provider: TracerProvider | None = None
) -> Client:
    """`runtime`: the worker's, with the SDK's Prometheus exporter; `tracer_provider`: traces every client
    call and, in a worker built from this client, every workflow and activity (observability.tracing)."""
    from observability.tracing import temporal_interceptors

    api_key = settings.temporal_api_key.get_secret_value() if settings.temporal_api_key else None
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=converter_from_settings(settings),
        tls=_tls(settings),
        api_key=api_key,
        runtime=runtime,
        interceptors=temporal_interceptors(tracer_provider),
    )
