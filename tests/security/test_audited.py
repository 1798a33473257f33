"""engine.services.audited: each main journey checks the role and leaves exactly one audit entry;
pseudonymised case files carry no personal value of the people they concern."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pyarrow as pa
import pytest

from engine.core import schema
from engine.core.errors import AccessDenied, InputError
from engine.security.audit import AuditError, AuditLog
from engine.security.auth import User
from engine.services.audited import AuditedSession
from engine.services.ingest import ingest_file
from engine.store.embedded import EmbeddedStore

FILES = {
    "parties.csv": (
        "party_id,kind,name,birth_date,nationality,id_document_number,phone,email,address,country\n"
        "P1,person,Amina Yusuf,1980-01-02,SY,PX123456,+30 690 111 2222,amina@example.org,"
        "12 Harbour Road,GR\n"
        "P2,person,Omar Haddad,1975-03-04,SY,PX654321,+30 690 333 4444,omar@example.org,"
        "7 Market Street,GR\n"
        "P3,person,Li Wei,1990-05-06,CN,CN998877,+49 170 555 6666,li@example.org,1 Ring Strasse,DE\n"
    ),
    "holdings.csv": "party_id,account_id,role\nP1,GR01,owner\nP2,GR02,owner\nP3,DE03,owner\n",
    "transactions.csv": (
        "tx_id,ts,src_account,dst_account,amount,currency,channel,reference\n"
        "t1,2024-01-01T10:00:00Z,GR01,GR02,900,EUR,cash,for Omar Haddad\n"
        "t2,2024-01-02T10:00:00Z,GR02,DE03,850,EUR,wire,passage\n"
        "t3,2024-01-03T10:00:00Z,DE03,GR01,100,EUR,wire,\n"
    ),
    "travel.csv": (
        "record_id,traveller_name,traveller_birth_date,traveller_document,carrier,route_number,"
        "origin,destination,departure,booking_ref,payer_account\n"
        "R1,Amina Yusuf,1980-01-02,PX123456,TK,TK1845,IST,ATH,2024-01-05T10:00:00Z,BK1,GR02\n"
    ),
}
PERSONAL = [
    "Amina",
    "Yusuf",
    "PX123456",
    "Omar",
    "Haddad",
    "690 111 2222",
    "690 333 4444",
    "example.org",
    "Harbour",
]

INVESTIGATOR = User("ivo", "investigator")
ANALYST = User("ana", "analyst")
ADMIN = User("adm", "admin")


@pytest.fixture(autouse=True)
def per_test_log(isolated_home, monkeypatch):
    """The store is shared by the module, so its own log would collect every test's entries;
    name a log per test explicitly (an explicit ``MONEYTRAIL_AUDIT_FILE`` wins over the log kept
    with the store: tests/services/test_audited_cli.py checks that default)."""
    monkeypatch.setenv("MONEYTRAIL_AUDIT_FILE", str(isolated_home / "audit" / "audit.jsonl"))


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> EmbeddedStore:
    """One small store for the module: the tests only read it (one upload adds a batch)."""
    tmp_path = tmp_path_factory.mktemp("audited")
    opened = EmbeddedStore(tmp_path / "store")
    for name in ("parties.csv", "holdings.csv", "transactions.csv", "travel.csv"):
        (tmp_path / name).write_text(FILES[name], encoding="utf-8")
        assert ingest_file(opened, tmp_path / name).status == "written"
    members = [("GR01", "account"), ("GR02", "account"), ("DE03", "account"), ("P1", "party"),
               ("P2", "party")]  # fmt: skip
    opened.write_results(
        {
            "clusters": schema.conform(
                pa.Table.from_pylist([{"cluster_id": 1, "rank": 1, "score": 0.9}]), "clusters"
            ),
            "cluster_members": schema.conform(
                pa.Table.from_pylist(
                    [{"cluster_id": 1, "entity_id": e, "entity_kind": k} for e, k in members]
                ),
                "cluster_members",
            ),
        }
    )
    return opened


def entries() -> list[tuple[str, str, str]]:
    return [(e["user"], e["action"], e["target"]) for e in AuditLog().entries()]


def zip_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "\n".join(archive.read(n).decode("utf-8") for n in archive.namelist())


def test_each_main_journey_leaves_exactly_one_entry(store, tmp_path):
    upload = tmp_path / "more.csv"
    upload.write_text(
        "tx_id,ts,src_account,dst_account,amount,currency\nt9,2024-02-01T00:00:00Z,GR01,DE03,5,EUR\n"
    )
    journeys = [
        (ANALYST, lambda s: s.ingest(upload), "upload"),
        (INVESTIGATOR, lambda s: s.cluster(1), "view_cluster"),
        (INVESTIGATOR, lambda s: s.entity("P1"), "view_entity"),
        (INVESTIGATOR, lambda s: s.search("Amina"), "search"),
        (INVESTIGATOR, lambda s: s.paths("GR01", "DE03"), "follow_money"),
        (INVESTIGATOR, lambda s: s.trace("GR01"), "trace"),
        (INVESTIGATOR, lambda s: s.export(cluster_id=1), "export"),
        (ADMIN, lambda s: s.export(cluster_id=1, identified=True), "export_identified"),
    ]
    for user, journey, action in journeys:
        before = len(AuditLog().entries())
        journey(AuditedSession(user, store))
        after = AuditLog().entries()
        assert len(after) == before + 1, action
        assert (after[-1]["user"], after[-1]["action"]) == (user.name, action)
    got = AuditLog().entries()
    assert got[0]["target"].startswith("batch:") and got[0]["details"]["accepted"] == 1
    assert [e["target"] for e in got[1:5]] == [
        "cluster:1",
        "entity:P1",
        "Amina",
        "GR01 -> DE03",
    ]
    assert got[3]["details"] == {"hits": 2}
    assert AuditLog().verify().ok


@pytest.mark.parametrize(
    ("user", "call", "action"),
    [
        (ANALYST, lambda s: s.cluster(1), "view_cluster"),
        (ANALYST, lambda s: s.search("x"), "search"),
        (ANALYST, lambda s: s.paths("GR01", "DE03"), "follow_money"),
        (ANALYST, lambda s: s.export(cluster_id=1), "export"),
        (INVESTIGATOR, lambda s: s.ingest("/nonexistent.csv"), "upload"),
    ],
)
def test_refused_journeys_raise_and_record_the_refusal(store, user, call, action):
    with pytest.raises(AccessDenied):
        call(AuditedSession(user, store))
    assert entries() == [(user.name, "access_denied", action)]


def test_a_refused_file_is_recorded(store, tmp_path):
    bad = tmp_path / "bad.xml"
    bad.write_text('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><report/>')
    with pytest.raises(InputError):
        AuditedSession(ANALYST, store).ingest(bad)
    assert entries() == [("ana", "upload_refused", "bad.xml")]


def test_pseudonymised_export_hides_every_personal_value(store):
    data = AuditedSession(INVESTIGATOR, store).export(cluster_id=1)
    text = zip_text(data)
    for value in PERSONAL:
        assert value not in text, value
    assert "NAME-" in text and "ACCT-" in text and "GR01" not in text  # keyed account ids
    entry = AuditLog().entries()[-1]
    assert entry["details"]["pseudonymised"] is True
    assert entry["details"]["sha256"] == hashlib.sha256(data).hexdigest()


def test_pseudonyms_are_stable_across_exports(store):
    session = AuditedSession(INVESTIGATOR, store)
    assert zip_text(session.export(cluster_id=1)) == zip_text(session.export(cluster_id=1))


def test_identified_export_keeps_names_and_needs_its_own_permission(store):
    text = zip_text(AuditedSession(INVESTIGATOR, store).export(cluster_id=1, identified=True))
    assert "Amina Yusuf" in text
    with pytest.raises(AccessDenied):
        AuditedSession(ANALYST, store).export(cluster_id=1, identified=True)


def test_no_data_without_an_audit_entry(store, isolated_home):
    isolated_home.mkdir(parents=True, exist_ok=True)
    (isolated_home / "audit").write_text("not a folder")
    with pytest.raises(AuditError):
        AuditedSession(INVESTIGATOR, store).cluster(1)


def test_entity_export_is_pseudonymised_too(store):
    text = zip_text(AuditedSession(INVESTIGATOR, store).export(entity_id="P1"))
    for value in PERSONAL:
        assert value not in text, value
