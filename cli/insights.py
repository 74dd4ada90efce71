"""`complaints insights ...`: the figures of GET /insights, the scan, its schedule and the rebuild.

An operator's tool with the database credentials from the settings (the trust of `complaints migrate`):
figures are aggregates without personal data. Results go to stdout as JSON or CSV.
"""

import asyncio
import csv
import json
import sys
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from cli.console import fail
from core.settings import Settings

insights_app = typer.Typer(
    help="Attribution figures, early warning and merchant standing (docs/INSIGHTS.md).", no_args_is_help=True
)

FromOpt = Annotated[datetime | None, typer.Option("--from", help="window start, UTC [30 days before --to]")]
ToOpt = Annotated[datetime | None, typer.Option("--to", help="window end (exclusive), UTC [now]")]
MerchantOpt = Annotated[str | None, typer.Option(help="one merchant id")]
SkuOpt = Annotated[str | None, typer.Option(help="one SKU")]
ListOpt = Annotated[list[str] | None, typer.Option(help="repeat to match any")]
CsvOpt = Annotated[bool, typer.Option("--csv", help="CSV instead of JSON")]


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _filter(
    start: datetime | None,
    end: datetime | None,
    merchant: str | None,
    sku: str | None,
    category: list[str] | None,
    type_: list[str] | None,
    dispute_class: list[str] | None,
    channel: list[str] | None,
    severity: list[str] | None,
) -> Any:
    from pydantic import ValidationError

    from insights.filters import InsightFilter

    try:
        return InsightFilter(
            created_from=_utc(start),
            created_to=_utc(end),
            merchant_id=merchant,
            sku=sku,
            category=category or [],
            type=type_ or [],
            dispute_class=dispute_class or [],
            channel=channel or [],
            severity=severity or [],
        )
    except ValidationError as err:
        raise fail("; ".join(f"{'.'.join(map(str, e['loc'])) or 'window'}: {e['msg']}" for e in err.errors())) from None


def _engine_and_policy() -> tuple[Any, Any]:
    from api.policy_store import current_policy
    from core.db import engine_from_settings

    settings = Settings()
    return engine_from_settings(settings), current_policy(settings)


def _drain(engine: Any) -> None:
    """Fold the cases still marked for insights, as GET /insights does before it answers."""
    from insights import pending

    pending.drain(engine, Settings().insights_drain_chunk, wait=True)


def _write_csv(header: list[str], rows: list[list[Any]]) -> None:
    writer = csv.writer(sys.stdout)
    writer.writerow(header)
    writer.writerows(rows)


@insights_app.command()
def summary(
    start: FromOpt = None,
    end: ToOpt = None,
    merchant: MerchantOpt = None,
    sku: SkuOpt = None,
    category: ListOpt = None,
    type_: Annotated[list[str] | None, typer.Option("--type")] = None,
    dispute_class: ListOpt = None,
    channel: ListOpt = None,
    severity: ListOpt = None,
    as_csv: CsvOpt = False,
) -> None:
    """Every figure of one window and filter (as GET /insights/summary)."""
    from sqlmodel import Session

    from insights.summary import flatten, summarize

    f = _filter(start, end, merchant, sku, category, type_, dispute_class, channel, severity)
    engine, policy = _engine_and_policy()
    try:
        _drain(engine)
        with Session(engine) as session:
            result = summarize(
                session, f, satisfaction_threshold=policy.review.satisfaction_threshold, currency=policy.currency
            )
    finally:
        engine.dispose()
    if as_csv:
        _write_csv(["figure", "value"], [list(p) for p in flatten(result)])
    else:
        typer.echo(result.model_dump_json(indent=2))


@insights_app.command("breakdown")
def breakdown_cmd(
    by: Annotated[
        str, typer.Option(help="merchant, sku, category, type, dispute_class, channel, severity, root_cause or day")
    ] = "merchant",
    sort: Annotated[str, typer.Option(help="complaints, rate, refund_minor or breaches")] = "complaints",
    limit: int = 50,
    min_complaints: Annotated[
        int, typer.Option(help="with --sort rate: rank only groups with this many complaints")
    ] = 5,
    start: FromOpt = None,
    end: ToOpt = None,
    merchant: MerchantOpt = None,
    sku: SkuOpt = None,
    category: ListOpt = None,
    type_: Annotated[list[str] | None, typer.Option("--type")] = None,
    dispute_class: ListOpt = None,
    channel: ListOpt = None,
    severity: ListOpt = None,
    as_csv: CsvOpt = False,
) -> None:
    """The figures per group, top N first (as GET /insights/breakdown)."""
    from typing import get_args

    from sqlmodel import Session

    from insights.breakdown import BreakdownRow, GroupBy, SortBy, breakdown

    if by not in get_args(GroupBy):
        raise fail(f"--by: choose one of {', '.join(get_args(GroupBy))}")
    if sort not in get_args(SortBy):
        raise fail(f"--sort: choose one of {', '.join(get_args(SortBy))}")
    f = _filter(start, end, merchant, sku, category, type_, dispute_class, channel, severity)
    engine, _ = _engine_and_policy()
    try:
        _drain(engine)
        with Session(engine) as session:
            rows = breakdown(
                session,
                f,
                by,
                sort=sort,
                limit=max(1, min(limit, 1000)),  # type: ignore[arg-type]
                min_complaints=max(1, min_complaints),
            )
    finally:
        engine.dispose()
    if as_csv:
        fields = list(BreakdownRow.model_fields)
        _write_csv([by, *fields[1:]], [[getattr(r, n) for n in fields] for r in rows])
    else:
        typer.echo(json.dumps([r.model_dump(mode="json") for r in rows], indent=2))


@insights_app.command()
def scan(at: Annotated[datetime | None, typer.Option(help="evaluate as of this instant, UTC [now]")] = None) -> None:
    """Run one scan now: order counts, stale facts, early warnings, standing (what the schedule runs)."""
    from adapters.db_platform import DbNotifier
    from insights.scan import run_scan

    engine, policy = _engine_and_policy()
    try:
        result = run_scan(engine, DbNotifier(engine), policy, _utc(at) or datetime.now(UTC))
    finally:
        engine.dispose()
    typer.echo(result.model_dump_json(indent=2))


@insights_app.command()
def schedule() -> None:
    """Create or update the Temporal Schedule that runs the scan every insights.scan_interval (idempotent)."""
    from core.temporal import connect
    from insights.schedule import ensure_schedule

    settings = Settings()
    _, policy = _engine_and_policy()

    async def run() -> str:
        client = await connect(settings)
        return await ensure_schedule(client, settings.temporal_task_queue, policy.insights.scan_interval)

    outcome = asyncio.run(run())
    typer.echo(
        f"insights scan schedule {outcome}: every {policy.insights.scan_interval} "
        f"on task queue {settings.temporal_task_queue}"
    )


@insights_app.command()
def rebuild() -> None:
    """Recompute every case's facts and every day's order counts from their sources."""
    from insights import facts, orders

    engine, _ = _engine_and_policy()
    try:
        cases = facts.rebuild(engine)
        days = orders.rebuild(engine)
    finally:
        engine.dispose()
    typer.echo(f"rebuilt facts of {cases} cases and {days} order-count rows")


@insights_app.command()
def flags(
    active: Annotated[bool | None, typer.Option("--active/--cleared", help="only active or cleared")] = None,
    merchant: MerchantOpt = None,
) -> None:
    """Early-warning flags with their evidence, newest first."""
    from sqlmodel import Session, col, select

    from models.insight_tables import InsightFlag

    engine, _ = _engine_and_policy()
    try:
        with Session(engine) as session:
            stmt = select(InsightFlag).order_by(col(InsightFlag.raised_at).desc())
            if active is not None:
                stmt = stmt.where(
                    col(InsightFlag.cleared_at).is_(None) if active else col(InsightFlag.cleared_at).is_not(None)
                )
            if merchant:
                stmt = stmt.where(col(InsightFlag.merchant_id) == merchant)
            rows = [f.model_dump(mode="json") for f in session.exec(stmt).all()]
    finally:
        engine.dispose()
    typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))


@insights_app.command()
def standing(
    merchant: Annotated[str | None, typer.Argument(help="one merchant; all assessed when omitted")] = None,
) -> None:
    """Merchant standing tiers and their reasons."""
    from sqlmodel import Session, select

    from models.insight_tables import MerchantStandingRecord

    engine, _ = _engine_and_policy()
    try:
        with Session(engine) as session:
            stmt = select(MerchantStandingRecord).order_by(MerchantStandingRecord.merchant_id)
            if merchant:
                stmt = stmt.where(MerchantStandingRecord.merchant_id == merchant)
            rows = [r.model_dump(mode="json") for r in session.exec(stmt).all()]
    finally:
        engine.dispose()
    typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
