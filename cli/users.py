"""`complaints user ...`: staff accounts for a production install, where no demo users are seeded.

The first admin of a fresh production database is created here. Passwords are read from a hidden prompt (or
stdin), never from the command line.
"""

import getpass
import uuid
from datetime import UTC, datetime
from typing import Annotated

import typer
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from audit.chain import append_record
from cli.console import fail
from core.settings import Settings
from models.enums import ActorKind, Role
from models.tables import User

user_app = typer.Typer(help="Manage user accounts.", no_args_is_help=True)

# Roles whose users act for one party: the link decides which cases they can reach.
_PARTY_LINK = {Role.CONSUMER: "consumer_id", Role.MERCHANT: "merchant_id"}


def find_active_user(settings: Settings, username: str) -> User | None:
    from core.db import engine_from_settings

    engine = engine_from_settings(settings)
    try:
        with Session(engine) as session:
            return session.exec(select(User).where(User.username == username, User.active)).first()
    finally:
        engine.dispose()


@user_app.command("create")
def create_user(
    username: str,
    role: Annotated[Role, typer.Option(help="what the user may do")],
    consumer_id: Annotated[str | None, typer.Option(help="required for role consumer")] = None,
    merchant_id: Annotated[str | None, typer.Option(help="required for role merchant")] = None,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)] = ...,
) -> None:
    """Create an active user with a hashed password."""
    from api.security import hash_password
    from core.db import engine_from_settings

    links = {"consumer_id": consumer_id, "merchant_id": merchant_id}
    needed = _PARTY_LINK.get(role)
    if needed and not links[needed]:
        raise fail(f"role {role.value} needs --{needed.replace('_', '-')}")
    stray = [name for name, value in links.items() if value and name != needed]
    if stray:
        raise fail(f"role {role.value} takes no --{stray[0].replace('_', '-')}")
    if len(password) < 12:
        raise fail("password must have at least 12 characters")
    engine = engine_from_settings(Settings())
    try:
        with Session(engine) as session:
            if session.exec(select(User).where(User.username == username)).first():
                raise fail(f"user {username!r} already exists")
            user = User(
                id=f"user-{uuid.uuid4().hex[:12]}",
                username=username,
                hashed_password=hash_password(password),
                role=role.value,
                created_at=datetime.now(UTC),
                **links,
            )
            session.add(user)
            try:
                session.flush()  # a missing consumer or merchant fails here, before the audit record
                # Like the API's user_created: who made the login and which party it is bound to, one commit.
                append_record(
                    session,
                    event_key=f"cli:user-created:{user.id}",
                    complaint_id=None,
                    at=user.created_at,
                    actor_kind=ActorKind.SYSTEM.value,
                    actor_id=f"cli:{getpass.getuser()}",
                    action="user_created",
                    reason="",
                    details={"user_id": user.id, "username": username, "role": role.value, **links},
                )
                session.commit()
            except IntegrityError:
                # The username was checked above, so a failed foreign key is the usual cause.
                problem = (
                    f"no {needed.removesuffix('_id')} with id {links[needed]!r}"
                    if needed
                    else f"user {username!r} already exists"
                )
                raise fail(problem) from None
    finally:
        engine.dispose()
    typer.echo(f"created {role.value} {username!r}")


@user_app.command("list")
def list_users() -> None:
    """List users: username, role, linked party, active."""
    from core.db import engine_from_settings

    engine = engine_from_settings(Settings())
    try:
        with Session(engine) as session:
            users = session.exec(select(User).order_by(User.role, User.username)).all()
    finally:
        engine.dispose()
    for user in users:
        party = user.consumer_id or user.merchant_id or "-"
        typer.echo(f"{user.username:<20} {user.role:<11} {party:<16} {'active' if user.active else 'inactive'}")
