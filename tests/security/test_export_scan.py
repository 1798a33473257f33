"""A pseudonymised case file holds no identifier or personal value of the world (issue 17, 2).

The world: the generator's tiny world filed as a goAML report (so party ids are derived from
name, birth date and document by the loader) plus its travel records, analysed for real. Every
file of the pseudonymised ZIP of the top clusters and of one person is scanned for every name,
name token, document number, phone, e-mail, account id, party id, travel record id, booking
reference and full birth date of the input tables: none may appear. A scan that found nothing
because the files are empty would prove nothing, so the same scan of the identified export must
find them.
"""

from __future__ import annotations

import io
import re
import zipfile

import pyarrow.compute as pc
import pytest

from engine.detect.frame import fold
from engine.security.auth import User
from engine.services.audited import AuditedSession
from engine.services.ingest import ingest_paths
from engine.services.pipeline import analyze
from engine.store.embedded import EmbeddedStore

pytestmark = pytest.mark.slow

INVESTIGATOR = User("ivo", "investigator")
ADMIN = User("adm", "admin")
#: Words of names that are not names (articles, legal forms).
NOT_NAMES = {"bint", "binti", "ould", "gmbh", "llc", "ltd", "inc", "corp", "co"}


@pytest.fixture(scope="module")
def world_store(tmp_path_factory):
    from engine.synth import generate, write_goaml, write_world

    folder = tmp_path_factory.mktemp("scan")
    world = generate("tiny", seed=3)
    report = write_goaml(world, folder / "report.xml", max_transactions=300)
    travel = [p for p in write_world(world, folder / "world") if p.name == "travel.parquet"]
    store = EmbeddedStore(folder / "store")
    assert {r.status for r in ingest_paths(store, [report, *travel])} == {"written"}
    analyze(store)
    return store


@pytest.fixture(autouse=True)
def per_test_log(isolated_home, monkeypatch):
    monkeypatch.setenv("MONEYTRAIL_AUDIT_FILE", str(isolated_home / "audit" / "audit.jsonl"))


def secrets_of(store: EmbeddedStore) -> dict[str, set[str]]:
    """Every identifier and personal value of the input tables, by kind."""
    parties, travel = store.read_table("parties"), store.read_table("travel")
    accounts = store.read_table("accounts")
    real = accounts.filter(pc.not_equal(pc.fill_null(accounts["kind"], ""), "placeholder"))

    def values(table, column):
        return {v for v in pc.unique(table[column]).drop_null().to_pylist() if str(v).strip()}

    names = values(parties, "name") | values(travel, "traveller_name")
    tokens = {
        t
        for n in names
        for t in re.findall(r"[^\W\d_]+", n)
        if len(t) > 3 and t.casefold() not in NOT_NAMES
    }
    births = values(parties, "birth_date") | values(travel, "traveller_birth_date")
    return {
        "name": names,
        "token": tokens,
        "document": values(parties, "id_document_number") | values(travel, "traveller_document"),
        "phone": values(parties, "phone"),
        "email": values(parties, "email"),
        "account": values(real, "account_id") | values(store.read_table("holdings"), "account_id"),
        "party": values(parties, "party_id"),
        "record": values(travel, "record_id"),
        "booking": values(travel, "booking_ref"),
        "birth": {b.isoformat() for b in births},
    }


def spellings(value: str, kind: str) -> set[str]:
    """How a value can be written in a file: as is, upper case, title case, transliterated."""
    out = {value}
    if kind in ("name", "token"):
        out |= {value.upper(), value.title()}
        folded = fold(value)
        if folded:
            out |= {folded.title(), folded.upper()}
    return out


def files_of(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {n: archive.read(n).decode("utf-8") for n in archive.namelist()}


def leaks(files: dict[str, str], secrets: dict[str, set[str]]) -> list[tuple[str, str, str]]:
    """(file, kind, value) for every secret found as a whole word in a file."""
    found = []
    for kind, values in secrets.items():
        for value in values:
            for spelling in spellings(value, kind):
                pattern = re.compile(r"(?<!\w)" + re.escape(spelling) + r"(?!\w)")
                for name, text in files.items():
                    if pattern.search(text):
                        found.append((name, kind, value))
    return sorted(set(found))


def exports(store: EmbeddedStore, identified: bool) -> dict[str, bytes]:
    session = AuditedSession(ADMIN if identified else INVESTIGATOR, store)
    clusters = store.read_results("clusters").sort_by("rank")["cluster_id"].to_pylist()[:3]
    members = store.read_results("cluster_members")
    first = members.filter(
        pc.and_(
            pc.equal(members["cluster_id"], clusters[0]), pc.equal(members["entity_kind"], "party")
        )
    )["entity_id"][0].as_py()
    out = {f"cluster {c}": session.export(cluster_id=c, identified=identified) for c in clusters}
    out[f"party {first}"] = session.export(entity_id=first, identified=identified)
    return out


def test_the_identified_export_shows_what_the_scan_looks_for(world_store):
    secrets = secrets_of(world_store)
    found = {
        kind for data in exports(world_store, True).values() for _, kind, _ in
        leaks(files_of(data), secrets)
    }  # fmt: skip
    assert {"name", "token", "document", "account", "party", "record", "birth"} <= found


def test_no_file_of_a_pseudonymised_export_holds_a_value_of_the_world(world_store):
    secrets = secrets_of(world_store)
    for target, data in exports(world_store, False).items():
        files = files_of(data)
        assert "NAME-" in files["report.html"] and "ACCT-" in files["network.graphml"], target
        found = leaks(files, secrets)
        assert not found, (target, len(found), found[:20])
