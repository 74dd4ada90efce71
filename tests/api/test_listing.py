"""Lists and queues over the read model: filters, sorting, pagination, and each role's scope."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session

from api.security import create_access_token
from models.tables import Complaint, Consumer, Merchant, User
from tests.api.test_auth import assert_error

NOW = datetime.now(UTC).replace(microsecond=0)
BASE = NOW - timedelta(days=2)
STAGES = ["intake", "evidence", "negotiation", "closed"]
SEVERITIES = ["A", "B", "C"]
TYPES = ["quality_defect", "logistics"]


@dataclass
class Row:
    id: str
    consumer_id: str
    merchant_id: str
    stage: str
    severity: str
    type: str
    created_at: datetime
    sla_due_at: datetime | None
    sla_paused: bool
    escalation_level: int
    assignee: str | None

    @property
    def is_open(self) -> bool:
        return self.stage != "closed"

    @property
    def overdue(self) -> bool:
        return self.is_open and self.sla_due_at is not None and self.sla_due_at < NOW and not self.sla_paused


def _due(i: int, stage: str) -> datetime | None:
    if stage == "closed":
        return None
    return NOW + [timedelta(hours=-2), timedelta(minutes=30), timedelta(days=1)][i % 3]


ROWS = [
    Row(
        id=f"LT-{i:02d}",
        consumer_id="CT1" if i % 3 else "CT2",
        merchant_id="MT1" if i < 8 else "MT2",
        stage=STAGES[i % 4],
        severity=SEVERITIES[i % 3],
        type=TYPES[i % 2],
        created_at=BASE + timedelta(hours=i),
        sla_due_at=_due(i, STAGES[i % 4]),
        sla_paused=(i == 3),
        escalation_level=1 if i in (2, 5) else 0,
        assignee="U-agent1" if i % 4 == 1 else ("supervisors" if i == 6 else None),
    )
    for i in range(12)
]


@pytest.fixture(scope="module", autouse=True)
def listing_rows(api_engine):
    with Session(api_engine) as session:
        for cid in ("CT1", "CT2"):
            session.add(Consumer(id=cid, name=f"Test {cid}", phone="+86 139 0000 0001", created_at=NOW))
        for mid in ("MT1", "MT2"):
            session.add(Merchant(id=mid, name=f"Shop {mid}", created_at=NOW))
        session.flush()
        session.add(
            User(id="U-ct1", username="ct1", hashed_password="-", role="consumer", consumer_id="CT1", created_at=NOW)
        )
        session.add(
            User(id="U-mt1", username="mt1", hashed_password="-", role="merchant", merchant_id="MT1", created_at=NOW)
        )
        for r in ROWS:
            session.add(
                Complaint(
                    id=r.id,
                    workflow_id=f"complaint-{r.id}",
                    consumer_id=r.consumer_id,
                    merchant_id=r.merchant_id,
                    order_id=f"O-{r.id}",
                    order_line_id=f"L-{r.id}",
                    stage=r.stage,
                    is_open=r.is_open,
                    type=r.type,
                    severity=r.severity,
                    sla_due_at=r.sla_due_at,
                    sla_paused=r.sla_paused,
                    escalation_level=r.escalation_level,
                    priority=r.escalation_level,
                    assignee=r.assignee,
                    created_at=r.created_at,
                    updated_at=r.created_at,
                    closed_at=None if r.is_open else r.created_at,
                )
            )
        session.commit()


def token(api, user_id: str, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_access_token(api.settings, user_id=user_id, role=role)}"}


async def ids(api, headers, path="/complaints", **params) -> tuple[list[str], int]:
    response = await api.http.get(path, headers=headers, params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    return [item["id"] for item in body["items"]], body["total"]


def expected(pred, key=lambda r: r.created_at, reverse=True) -> list[str]:
    return [r.id for r in sorted((r for r in ROWS if pred(r)), key=key, reverse=reverse)]


async def test_pages_cover_every_row_once_with_a_stable_total(api):
    collected, totals = [], set()
    for offset in range(0, 9, 3):
        page, total = await ids(api, api.auth("agent1"), merchant_id="MT1", limit=3, offset=offset)
        collected += page
        totals.add(total)
    assert totals == {8}
    assert collected == expected(lambda r: r.merchant_id == "MT1")


@pytest.mark.parametrize(
    "params, pred",
    [
        ({"stage": ["intake", "evidence"]}, lambda r: r.stage in ("intake", "evidence")),
        ({"severity": "A"}, lambda r: r.severity == "A"),
        ({"type": "logistics", "is_open": True}, lambda r: r.type == "logistics" and r.is_open),
        ({"assignee": "me"}, lambda r: r.assignee == "U-agent1"),
        ({"overdue": True}, lambda r: r.overdue),
        ({"overdue": False}, lambda r: not r.overdue),
        ({"escalated": True}, lambda r: r.escalation_level > 0),
        (
            {
                "created_from": (BASE + timedelta(hours=3)).isoformat(),
                "created_to": (BASE + timedelta(hours=7)).isoformat(),
            },
            lambda r: BASE + timedelta(hours=3) <= r.created_at < BASE + timedelta(hours=7),
        ),
    ],
)
async def test_filters(api, params, pred):
    got, _ = await ids(api, api.auth("agent1"), **params, limit=200)
    mine = [i for i in got if i.startswith("LT-")]
    assert mine == expected(pred)


async def test_sorting_puts_missing_due_times_last(api):
    got, _ = await ids(api, api.auth("agent1"), merchant_id="MT1", sort="sla_due_at")
    rows = [r for r in ROWS if r.merchant_id == "MT1"]
    with_due = sorted((r for r in rows if r.sla_due_at), key=lambda r: (r.sla_due_at, r.id))
    assert got == [r.id for r in with_due] + sorted(r.id for r in rows if r.sla_due_at is None)
    by_severity, _ = await ids(api, api.auth("agent1"), merchant_id="MT2", sort="-severity")
    mt2 = sorted((r for r in ROWS if r.merchant_id == "MT2"), key=lambda r: r.id)
    assert by_severity == [r.id for r in sorted(mt2, key=lambda r: r.severity, reverse=True)]


async def test_consumers_see_only_their_own_and_cannot_widen_it(api):
    ct1 = token(api, "U-ct1", "consumer")
    got, total = await ids(api, ct1, limit=200)
    assert got == expected(lambda r: r.consumer_id == "CT1") and total == len(got)
    widened, _ = await ids(api, ct1, consumer_id="CT2")
    assert widened == []


async def test_merchants_see_their_shop_without_consumer_fields(api):
    response = await api.http.get("/complaints", headers=token(api, "U-mt1", "merchant"), params={"limit": 200})
    body = response.json()
    assert [i["id"] for i in body["items"]] == expected(lambda r: r.merchant_id == "MT1")
    for item in body["items"]:
        assert "consumer_id" not in item and "assignee" not in item and "channel" not in item


async def test_auditor_reads_and_admin_may_not(api):
    got, _ = await ids(api, api.auth("audit1"), merchant_id="MT2")
    assert got == expected(lambda r: r.merchant_id == "MT2")
    assert_error(await api.http.get("/complaints", headers=api.auth("admin1")), 403, "forbidden")


@pytest.mark.parametrize(
    "params, field",
    [
        ({"sort": "consumer_id"}, "query.sort"),
        ({"limit": 0}, "query.limit"),
        ({"limit": 201}, "query.limit"),
        ({"stage": "limbo"}, "query.stage.0"),
        ({"created_from": "2026-01-01T00:00:00"}, "query.created_from"),
        ({"colour": "red"}, "query.colour"),
    ],
)
async def test_bad_query_parameters_are_422_naming_the_field(api, params, field):
    response = await api.http.get("/complaints", headers=api.auth("agent1"), params=params)
    error = assert_error(response, 422, "validation_error")["error"]
    assert error["details"][0]["field"] == field


async def test_queues(api):
    mine, _ = await ids(api, api.auth("agent1"), "/queues/mine", limit=200)
    assert sorted(i for i in mine if i.startswith("LT-")) == sorted(
        r.id for r in ROWS if r.assignee == "U-agent1" and r.is_open
    )
    escalated, _ = await ids(api, api.auth("super1"), "/queues/supervisor", limit=200)
    assert sorted(i for i in escalated if i.startswith("LT-")) == sorted(
        r.id for r in ROWS if r.is_open and (r.escalation_level > 0 or r.assignee == "supervisors")
    )
    overdue, _ = await ids(api, api.auth("agent1"), "/queues/overdue", limit=200)
    assert sorted(i for i in overdue if i.startswith("LT-")) == sorted(r.id for r in ROWS if r.overdue)
    at_risk, _ = await ids(api, api.auth("audit1"), "/queues/at-risk", within_minutes=60, limit=200)
    assert sorted(i for i in at_risk if i.startswith("LT-")) == sorted(
        r.id for r in ROWS if r.is_open and not r.sla_paused and NOW <= r.sla_due_at < NOW + timedelta(hours=1)
    )


@pytest.mark.parametrize(
    "path, denied",
    [
        ("/queues/mine", ["alice", "shop1", "audit1", "admin1"]),
        ("/queues/supervisor", ["alice", "shop1", "agent1", "admin1"]),
        ("/queues/overdue", ["alice", "shop1", "admin1"]),
        ("/queues/at-risk", ["alice", "shop1", "admin1"]),
    ],
)
async def test_queue_roles(api, path, denied):
    for username in denied:
        assert_error(await api.http.get(path, headers=api.auth(username)), 403, "forbidden")


async def test_read_one_from_the_read_model_while_temporal_is_down(api):
    response = await api.http.get("/complaints/LT-01", headers=token(api, "U-ct1", "consumer"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["complaint"]["id"] == "LT-01" and body["complaint"]["consumer_id"] == "CT1"
    assert body["live"] is None and "unreachable" in body["live_error"]
    merchant_view = (await api.http.get("/complaints/LT-01", headers=token(api, "U-mt1", "merchant"))).json()
    assert "consumer_id" not in merchant_view["complaint"]


async def test_read_one_ownership_and_unknown_ids(api):
    """To a consumer or merchant another party's case looks exactly like no case: ids cannot be probed."""
    for user, role, theirs in (("U-ct1", "consumer", "LT-00"), ("U-mt1", "merchant", "LT-09")):
        not_mine = await api.http.get(f"/complaints/{theirs}", headers=token(api, user, role))
        missing = await api.http.get("/complaints/LT-98", headers=token(api, user, role))
        assert_error(not_mine, 404, "not_found")
        assert_error(missing, 404, "not_found")
        assert not_mine.json()["error"]["message"].replace(theirs, "X") == missing.json()["error"]["message"].replace(
            "LT-98", "X"
        )
    assert_error(await api.http.get("/complaints/LT-99", headers=api.auth("agent1")), 404, "not_found")
    assert_error(await api.http.get("/complaints/LT-01", headers=api.auth("admin1")), 403, "forbidden")
