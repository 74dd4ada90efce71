"""The attacker model's world: the running system and the parties acting in it, and the rules (random
filings and random steps by random actors) that one sequence draws from. The invariants checked after each
step are drills/attacker_invariants.py; the run is drills/attacker_model.py."""

import asyncio
import random
import time
import uuid
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule
from sqlalchemy import func
from sqlmodel import Session, select

from api.routes.actions import STEPS
from bench.fixtures import Party, make_parties
from drills.api_drills import auth
from drills.attacker_payloads import evidence_ref as _evidence
from drills.attacker_payloads import hostile, valid_body
from models.tables import AuditLog, Complaint, LedgerEntry, User

T = TypeVar("T")
STAFF = {
    "U-am-agent1": "agent",
    "U-am-agent2": "agent",
    "U-am-super": "supervisor",
    "U-am-audit": "auditor",
    "U-am-admin": "admin",
}
PATHS = [s.path for s in STEPS]
SEEDS = st.integers(0, 2**32 - 1)


@dataclass
class World:
    """The running system and who acts in it; shared by every sequence of one run."""

    loop: asyncio.AbstractEventLoop
    http: httpx.AsyncClient
    engine: Any
    users: dict[str, tuple[str, str, Party | None]]  # user id -> (role, party id, party)
    deadline: float
    steps: int = 0
    refused: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    keep_going: bool = False  # a long run records each broken invariant and carries on
    problems: dict[str, tuple[int, str]] = field(default_factory=dict)  # kind -> (times, first example)

    def found(self, kind: str, example: str) -> None:
        times, first = self.problems.get(kind, (0, example))
        self.problems[kind] = (times + 1, first)

    def new_parties(self) -> list[Party]:
        """Two fresh consumers with an order each from a merchant each, and their logins."""
        parties = make_parties(self.engine, 2)
        now = datetime.now(UTC)
        with Session(self.engine) as session:
            for p in parties:
                session.add(
                    User(
                        id=f"U-{p.consumer_id}",
                        username=f"u-{p.consumer_id}".lower(),
                        hashed_password="-",
                        role="consumer",
                        consumer_id=p.consumer_id,
                        created_at=now,
                    )
                )
                session.add(
                    User(
                        id=f"U-{p.merchant_id}",
                        username=f"u-{p.merchant_id}".lower(),
                        hashed_password="-",
                        role="merchant",
                        merchant_id=p.merchant_id,
                        created_at=now,
                    )
                )
                self.users[f"U-{p.consumer_id}"] = ("consumer", p.consumer_id, p)
                self.users[f"U-{p.merchant_id}"] = ("merchant", p.merchant_id, p)
            session.commit()
        return parties

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=120)

    def request(self, method: str, path: str, user: str, **kwargs: Any) -> httpx.Response:
        role = self.users[user][0]
        headers = auth(user, role, uuid.uuid4().hex)
        response = self.run(self.http.request(method, path, headers=headers, **kwargs))
        self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1
        if response.status_code >= 500:
            self.found("5xx", f"{method} {path} as {role} -> {response.status_code}: {response.text[:200]}")
        return response

    def live(self, cid: str) -> dict[str, Any] | None:
        response = self.request("GET", f"/complaints/{cid}", "U-am-audit")
        return response.json().get("live") if response.status_code == 200 else None

    def settle(self, cid: str) -> dict[str, Any] | None:
        """The case's state once activities have stopped moving it (two equal reads in a row)."""
        last = self.live(cid)
        for _ in range(40):
            time.sleep(0.05)
            now = self.live(cid)
            if now == last:
                return now
            last = now
        return last

    def last_audit_id(self) -> int:
        with Session(self.engine) as session:
            return session.exec(select(func.coalesce(func.max(AuditLog.id), 0))).one()

    def only_timers_since(self, audit_id: int) -> bool:
        """Whether every change since was a timer's (a survey sent, a deadline): the clock moves cases too."""
        with Session(self.engine) as session:
            kinds = session.exec(select(AuditLog.actor_kind).where(AuditLog.id > audit_id)).all()
        return bool(kinds) and all(kind in ("deadline", "system") for kind in kinds)

    def books(self, cid: str) -> tuple[Any, ...]:
        with Session(self.engine) as session:
            audit = session.exec(select(func.count()).select_from(AuditLog)).one()
            ledger = session.exec(select(func.count()).select_from(LedgerEntry)).one()
            row = session.get(Complaint, cid)
            read_model = (
                None
                if row is None
                else (row.stage, row.assignee, row.is_open, row.refunded_minor, row.sla_paused, row.escalation_level)
            )
        return audit, ledger, read_model


class AttackerRules(RuleBasedStateMachine):
    """One sequence: two fresh parties (consumer, merchant, order each) and the cases they file.

    Every Hypothesis draw is a rule argument, independent of what the system answers: which case a rule
    targets is a slot taken modulo the cases filed so far, and bodies come from a Random seeded by a draw.
    """

    world: World  # set by run_model before the machine runs

    def __init__(self) -> None:
        super().__init__()
        self.parties = self.world.new_parties()
        self.cases: list[str] = []

    def _say(self, kind: str, problem: str) -> None:
        self.world.found(kind, problem)
        if not self.world.keep_going:
            raise AssertionError(problem)

    def _case(self, slot: int) -> str | None:
        return self.cases[slot % len(self.cases)] if self.cases else None

    def _user(self, actor: str) -> str:
        p = self.parties
        return {
            "c0": f"U-{p[0].consumer_id}",
            "m0": f"U-{p[0].merchant_id}",
            "c1": f"U-{p[1].consumer_id}",
            "m1": f"U-{p[1].merchant_id}",
        }.get(actor, actor)

    @initialize()
    def first_case(self) -> None:
        self.file(0, "own", False, 0)

    @rule(who=st.integers(0, 1), line=st.sampled_from(["own", "own", "theirs", "none"]), evil=st.booleans(), seed=SEEDS)
    def file(self, who: int, line: str, evil: bool, seed: int) -> None:
        party, other = self.parties[who], self.parties[1 - who]
        body: dict[str, Any] = {
            "order_id": party.order_id,
            "description": "屏幕破损 the screen is cracked",
            "evidence": [_evidence(uuid.uuid4().hex)],
        }
        body["order_line_id"] = {"own": party.line_id, "theirs": other.line_id, "none": "L-NOPE"}[line]
        if evil:
            body = hostile(body, random.Random(seed))
        self.world.steps += 1
        before = self.world.books("")[:2]
        response = self.world.request("POST", "/complaints", f"U-{party.consumer_id}", json=body)
        if response.status_code in (200, 201):
            state = response.json().get("state")
            if state is not None and state["consumer_id"] != party.consumer_id:
                self._say("join-leak", f"filing as {party.consumer_id} returned {state['consumer_id']}'s case")
            if response.json()["complaint_id"] not in self.cases:
                self.cases.append(response.json()["complaint_id"])
            return
        self.world.refused += 1
        if self.world.books("")[:2] != before:
            self._say(
                "refused-filing-wrote",
                f"a refused filing ({response.status_code}) wrote audit or ledger rows: {body!r:.200}",
            )

    def _attempt(self, cid: str, path: str, user: str, body: dict[str, Any], live: dict[str, Any] | None) -> None:
        w = self.world
        before = (live, w.books(cid))
        last_audit = w.last_audit_id()
        w.steps += 1
        response = w.request("POST", f"/complaints/{cid}/{path}", user, json=body)
        if response.status_code >= 400:
            w.refused += 1
            if (w.live(cid), w.books(cid)) != before and not w.only_timers_since(last_audit):
                self._say(
                    "refused-step-changed",
                    f"refused {path} as {w.users[user][0]} ({response.status_code}) changed the case {cid}",
                )

    @rule(
        slot=st.integers(0, 7),
        path=st.sampled_from(PATHS),
        actor=st.sampled_from(sorted(STAFF) + ["c0", "m0", "c1", "m1"]),
        evil=st.booleans(),
        seed=SEEDS,
    )
    def act(self, slot: int, path: str, actor: str, evil: bool, seed: int) -> None:
        """Any step by anyone: mostly the wrong actor, stage or payload."""
        cid = self._case(slot)
        if cid is None:
            return
        user = self._user(actor)
        live = self.world.settle(cid)
        rnd = random.Random(seed)
        body = valid_body(path, self.world.users[user][0], live, rnd)
        self._attempt(cid, path, user, hostile(body, rnd) if evil else body, live)

    @rule(slot=st.integers(0, 7), seed=SEEDS)
    def progress(self, slot: int, seed: int) -> None:
        """The step the case waits for, by the one it waits on: drives cases deep (offers, refunds, re-opens)."""
        cid = self._case(slot)
        live = self.world.settle(cid) if cid else None
        pending = (live or {}).get("pending_actions") or []
        party = next((p for p in self.parties if live and p.consumer_id == live["consumer_id"]), None)
        if cid is None or live is None or not pending or party is None:
            return
        rnd = random.Random(seed)
        wanted = rnd.choice(pending)
        action = "complete_intake" if wanted["action"].startswith("supplement") else wanted["action"]
        path = next((s.path for s in STEPS if s.update == action), None)
        if path is None:
            return
        who = wanted["who"]
        user = {
            "consumer": f"U-{party.consumer_id}",
            "merchant": f"U-{party.merchant_id}",
            "supervisor": "U-am-super",
            "supervisor_queue": "U-am-super",
        }.get(who, "U-am-agent1")
        body = valid_body(path, self.world.users[user][0], live, rnd)
        if path == "evidence" and who in ("consumer", "merchant", "carrier"):
            body["party"] = who
        self._attempt(cid, path, user, body, live)
