"""The attacker model's invariants, checked by Hypothesis after every step: each party sees only its own
cases; money to the consumer per order line is at most what was paid; each merchant's frozen deposit equals
what its cases' freezes still hold, and a closed case holds nothing; per-case audit seqs are gapless and the
chain verifies; every open case has a pending action or a running clock. No 5xx and "a refused step changed
nothing" are checked as each request is made, in drills/attacker_world.py."""

from hypothesis.stateful import invariant
from sqlmodel import Session, col, select

from audit.chain_verify import verify_chain
from drills.attacker_world import AttackerRules
from models.enums import LedgerKind
from models.tables import AuditLog, Complaint, LedgerEntry, Merchant, OrderLine

TERMINAL = {"closed", "rejected", "withdrawn"}
_TO_CONSUMER = (LedgerKind.MERCHANT_REFUND.value, LedgerKind.PLATFORM_ADVANCE.value)


class AttackerInvariants(AttackerRules):
    """The rules of drills/attacker_world.py with every invariant below checked after each step."""

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
