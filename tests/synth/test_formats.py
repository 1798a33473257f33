"""goAML and camt.053 samples carry the world's transactions in the real element structure."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
from lxml import etree
from typer.testing import CliRunner

from engine.cli import app
from engine.synth import write_camt053, write_goaml
from engine.synth.camt import NS, busiest_accounts
from loaders.registry import load_file


def _text(el, path):
    found = el.find(path)
    return None if found is None else found.text


def test_goaml_report_structure(world, tmp_path):
    path = write_goaml(world, tmp_path / "r.xml", max_transactions=120)
    root = etree.parse(str(path)).getroot()
    assert root.tag == "report"
    assert _text(root, "report_code") == "STR" and _text(root, "currency_code_local") == "EUR"
    txs = root.findall("transaction")
    assert len(txs) == 120
    base = dict(
        zip(
            world.tables["transactions"].column("tx_id").to_pylist(),
            world.tables["transactions"].column("amount_base").to_pylist(),
            strict=True,
        )
    )
    for tx in txs:
        number = _text(tx, "transactionnumber")
        assert float(_text(tx, "amount_local")) == round(base[number], 2)
        assert _text(tx, "date_transaction") and _text(tx, "transmode_code")
        froms = tx.findall("t_from") + tx.findall("t_from_my_client")
        tos = tx.findall("t_to") + tx.findall("t_to_my_client")
        assert len(froms) == 1 and len(tos) == 1
    assert root.findall("transaction/t_from_my_client/from_account/signatory/t_person/last_name")


def test_goaml_carries_travel_as_means_of_transport(world, tmp_path):
    path = write_goaml(world, tmp_path / "r.xml", max_transactions=400)
    root = etree.parse(str(path)).getroot()
    transports = root.findall("transaction/means_of_transport")
    assert transports
    places = set(world.tables["travel"].column("origin").to_pylist())
    for mot in transports:
        steps = mot.findall("routing/route_step")
        assert [_text(s, "step") for s in steps] == ["1", "2"]
        assert _text(steps[0], "place") in places and _text(steps[0], "date")
        assert _text(mot, "t_person/last_name") is not None


def test_goaml_includes_the_planted_operations_first(world, tmp_path):
    truth = world.truth["transactions"]
    ops = world.truth["operations"]
    kinds = pc.is_in(ops["kind"], value_set=pa.array(["smuggling", "trafficking"]))
    smuggling = set(pc.filter(ops["op_id"], kinds).to_pylist())
    planted = {r["tx_id"] for r in truth.to_pylist() if r["op_id"] in smuggling}
    small = write_goaml(world, tmp_path / "s.xml", max_transactions=len(planted) + 10)
    got = {el.text for el in etree.parse(str(small)).getroot().iter("transactionnumber")}
    assert planted <= got


def test_goaml_loads_without_rejects(world, tmp_path):
    path = write_goaml(world, tmp_path / "r.xml", max_transactions=300)
    result = load_file(path, batch_id="b")
    assert result.format == "goaml"
    assert result.rejected.num_rows == 0, result.rejected.to_pylist()[:3]
    assert result.tables["transactions"].num_rows == 300


def test_camt053_statement(world, tmp_path):
    (account,) = busiest_accounts(world, 1)
    path = write_camt053(world, tmp_path / "s.xml", account_id=account)
    root = etree.parse(str(path)).getroot()
    assert root.tag == f"{{{NS}}}Document"
    ns = {"c": NS}
    entries = root.findall("c:BkToCstmrStmt/c:Stmt/c:Ntry", ns)
    tx = world.tables["transactions"]
    mine = pc.or_(pc.equal(tx["src_account"], account), pc.equal(tx["dst_account"], account))
    assert len(entries) == pc.sum(mine).as_py()
    total = 0.0
    for e in entries:
        amount = float(e.find("c:Amt", ns).text)
        total += amount if e.find("c:CdtDbtInd", ns).text == "CRDT" else -amount
    closing = [
        b for b in root.findall("c:BkToCstmrStmt/c:Stmt/c:Bal", ns)
        if b.find("c:Tp/c:CdOrPrtry/c:Cd", ns).text == "CLBD"
    ]  # fmt: skip
    sign = 1 if closing[0].find("c:CdtDbtInd", ns).text == "CRDT" else -1
    assert abs(sign * float(closing[0].find("c:Amt", ns).text) - total) < 0.01
    result = load_file(path, batch_id="b")
    assert result.format == "camt053" and result.rejected.num_rows == 0
    assert result.tables["transactions"].num_rows == len(entries)


def test_generate_command_writes_world_and_samples(tmp_path):
    out = tmp_path / "w"
    result = CliRunner().invoke(
        app, ["generate", "--out", str(out), "--seed", "2", "--goaml", "40", "--camt", "1"]
    )
    assert result.exit_code == 0, result.output
    assert (out / "transactions.parquet").exists() and (
        out / "truth" / "operations.parquet"
    ).exists()
    assert (out / "goaml.xml").exists() and (out / "camt053_1.xml").exists()
