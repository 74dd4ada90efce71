"""A model-based attacker: random steps by random actors through the API, invariants checked after each.

Hypothesis drives a RuleBasedStateMachine: every role, owners and strangers, right and wrong stage,
valid and hostile payloads (NUL, control and RTL characters, huge strings, wrong types). The API runs
in this process against a real dev server, a worker process and a real database (SQLite or
PostgreSQL). The machine runs in a thread; each request is sent on the drill's event loop.

After every step: no 5xx; a refused step changed nothing (its case's state, the ledger, the audit
log, the read model); each party lists only its own cases; money to the consumer per order line is at
most what was paid; each merchant's frozen deposit equals what its cases' freezes still hold, and a
closed case holds nothing; per-case audit seqs are gapless and the chain verifies; every open case
has a pending action or a running clock. tests/model runs a bounded number of sequences;
`complaints drills run --only model` a long one.
"""

import asyncio
import random
import time
import uuid
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import func
from sqlmodel import Session, col, select

from api.routes.actions import STEPS
from audit.chain import verify_chain
from bench.fixtures import Party, make_parties
from drills.api_drills import auth, in_process_api
from drills.attacker_payloads import evidence_ref as _evidence
from drills.attacker_payloads import hostile, valid_body
from drills.result import DrillResult
from models.enums import LedgerKind
from models.tables import AuditLog, Complaint, LedgerEntry, Merchant, OrderLine, User

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
TERMINAL = {"closed", "rejected", "withdrawn"}
_TO_CONSUMER = (LedgerKind.MERCHANT_REFUND.value, LedgerKind.PLATFORM_ADVANCE.value)


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


class AttackerModel(RuleBasedStateMachine):
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

    @invariant()
    def each_party_sees_only_its_own(self) -> None:
        for party in self.parties:
            for user, column in ((f"U-{party.consumer_id}", "consumer_id"), (f"U-{party.merchant_id}", "merchant_id")):
                listed = self.world.request("GET", "/complaints", user, params={"limit": 200})
                own = party.consumer_id if column == "consumer_id" else party.merchant_id
                with Session(self.world.engine) as session:
                    for item in listed.json().get("items", []):
                        row = session.get(Complaint, item["id"])
                        if row is None or getattr(row, column) != own:
                            self._say("list-leak", f"{user} lists {item['id']}, not theirs")
            for cid in self.cases:
                if party.line_id in cid:  # complaint ids name their order line: this case is the party's own
                    continue
                for user in (f"U-{party.consumer_id}", f"U-{party.merchant_id}"):
                    detail = self.world.request("GET", f"/complaints/{cid}", user)
                    if detail.status_code != 404:
                        self._say("read-leak", f"{user} reads another party's case {cid}: {detail.status_code}")

    @invariant()
    def money_and_deposits_balance(self) -> None:
        with Session(self.world.engine) as session:
            entries = session.exec(select(LedgerEntry)).all()
            rows = {r.id: r for r in session.exec(select(Complaint)).all()}
            reversed_keys = {e.reverses_key for e in entries if e.kind == LedgerKind.REVERSAL.value}
            per_line: dict[str, int] = {}
            held: dict[str, int] = {}
            for e in entries:
                row = rows.get(e.complaint_id)
                if e.kind in _TO_CONSUMER and e.idempotency_key not in reversed_keys and row and row.order_line_id:
                    per_line[row.order_line_id] = per_line.get(row.order_line_id, 0) + e.amount_minor
                sign = {LedgerKind.DEPOSIT_FREEZE.value: 1, LedgerKind.DEPOSIT_UNFREEZE.value: -1}.get(e.kind, 0)
                if sign:
                    held[e.complaint_id] = held.get(e.complaint_id, 0) + sign * e.amount_minor
            mine = {p.line_id for p in self.parties}  # an earlier sequence's finding is not reported again
            for line_id, paid_out in per_line.items():
                if line_id not in mine:
                    continue
                line = session.get(OrderLine, line_id)
                if line is not None and paid_out > line.paid_minor:
                    self._say("money-over-paid", f"line {line_id}: {paid_out} to the consumer, {line.paid_minor} paid")
            for party in self.parties:
                merchant = session.get(Merchant, party.merchant_id)
                holding = sum(
                    v for cid, v in held.items() if rows.get(cid) and rows[cid].merchant_id == party.merchant_id
                )
                if merchant is not None and merchant.frozen_minor != holding:
                    self._say(
                        "deposit-books",
                        f"merchant {party.merchant_id}: frozen {merchant.frozen_minor}, cases hold {holding}",
                    )
            for cid, amount in held.items():
                if amount and cid in self.cases and not rows[cid].is_open:
                    self._say("closed-case-holds-deposit", f"closed case {cid} still holds {amount} of the deposit")

    @invariant()
    def audit_is_gapless_and_chained(self) -> None:
        with Session(self.world.engine) as session:
            verdict = verify_chain(session)
            if not verdict.ok:
                self._say("audit-chain", f"audit chain broken at {verdict.first_broken_id}: {verdict.reason}")
            keys = session.exec(
                select(AuditLog.complaint_id, AuditLog.event_key).where(col(AuditLog.complaint_id).in_(self.cases))
            ).all()
        seqs: dict[str, list[int]] = {}
        for cid, key in keys:
            head, _, tail = key.rpartition(":")
            if head == cid and tail.isdigit():
                seqs.setdefault(cid, []).append(int(tail))
        for cid, found in seqs.items():
            found.sort()
            if found != list(range(found[0], found[0] + len(found))):
                self._say("audit-seq-gap", f"case {cid} audit seqs have a gap: {found[:30]}")

    @invariant()
    def no_open_case_is_stuck(self) -> None:
        for cid in self.cases:
            live = self.world.settle(cid)
            if live is None or live.get("closed_at") or live["stage"] in TERMINAL:
                continue
            running = [c for c in live.get("clocks", []) if not c.get("paused") and not c.get("exhausted")]
            # Entering review (each round), the case waits for the survey_delay timer, which no field shows.
            survey = live.get("survey") or {}
            this_round = survey.get("round") == live.get("reopen_count", 0) + 1
            survey_timer = live["stage"] == "review" and not (this_round and survey.get("sent_at"))
            if not live.get("pending_actions") and not running and not survey_timer:
                self._say(
                    "stuck-case", f"open case {cid} in {live['stage']} has no pending action and no running clock"
                )


def _depth(engine: Any) -> dict[str, Any]:
    """How far the sequences drove cases: final stages, money moved, re-opens."""
    with Session(engine) as session:
        stages = session.exec(select(Complaint.stage, func.count()).group_by(Complaint.stage)).all()
        kinds = session.exec(select(LedgerEntry.kind, func.count()).group_by(LedgerEntry.kind)).all()
        reopened = session.exec(select(func.count()).select_from(AuditLog).where(AuditLog.action == "reopened")).one()
    return {"stages": dict(sorted(stages)), "ledger": dict(sorted(kinds)), "reopened": reopened}


async def run_model(
    sequences: int,
    steps: int,
    database_url: str | None = None,
    derandomize: bool = False,
    max_seconds: float = 3600,
    keep_going: bool = False,
) -> DrillResult:
    """Run the attacker model; the verdict's problems are the broken invariants, by kind.

    By default the first broken invariant ends the run; with keep_going every sequence runs to its end
    and each kind of problem is reported once, with how often it was seen and its first example.
    """
    from api.policy_store import install_policy
    from bench.env import bench_env
    from core.settings import Settings
    from drills.faults import drill_policy

    result = DrillResult("attacker model (hypothesis state machine through the API)")
    async with bench_env(database_url=database_url) as env:
        queue = f"model-{uuid.uuid4().hex[:6]}"
        users: dict[str, tuple[str, str, Party | None]] = {}
        with Session(env.engine) as session:
            for user, role in STAFF.items():
                session.add(
                    User(id=user, username=user.lower(), hashed_password="-", role=role, created_at=datetime.now(UTC))
                )
                users[user] = (role, user, None)
            session.commit()
        # Surveys go out two seconds after execution, so sequences reach the survey, re-opens and later rounds.
        install_policy(Settings(_env_file=None, data_dir=env.root / "api-data"), drill_policy())
        async with env.running_worker(queue), in_process_api(env, queue) as http:
            world = World(
                loop=asyncio.get_running_loop(),
                http=http,
                engine=env.engine,
                users=users,
                deadline=time.monotonic() + max_seconds,
                keep_going=keep_going,
            )
            machine = type("AttackerRun", (AttackerModel,), {"world": world})
            # Generation only: the system under test is real, so a replayed sequence meets other states and
            # Hypothesis cannot shrink it reliably. Each broken invariant is reported as found.
            config = settings(
                max_examples=sequences,
                stateful_step_count=steps,
                deadline=None,
                database=None,
                derandomize=derandomize,
                suppress_health_check=list(HealthCheck),
                report_multiple_bugs=False,
                phases=[Phase.generate],
            )
            started = time.monotonic()
            try:
                await asyncio.to_thread(run_state_machine_as_test, machine, settings=config)
            except Exception as exc:  # an invariant (recorded by _say) or Hypothesis' own complaint
                if not world.problems:
                    world.found("hypothesis", f"{type(exc).__name__}: {exc}"[:300])
            result.figures = {
                "sequences": sequences,
                "steps": world.steps,
                "refused": world.refused,
                "seconds": time.monotonic() - started,
                "statuses": dict(sorted(world.statuses.items())),
                **_depth(env.engine),
            }
            result.problems = [f"{kind} x{times}: {first}" for kind, (times, first) in world.problems.items()]
    return result
