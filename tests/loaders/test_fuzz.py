"""Property-based tests: every loader, fed random or mutated input, loads or refuses cleanly.

"Cleanly" means a :class:`LoadResult` whose tables conform to the canonical schemas (bad rows in
the quarantine), or one :class:`InputError`; never any other exception.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.core import schema
from engine.core.errors import InputError
from loaders.registry import load_file
from tests.loaders.conftest import CANONICAL_TX
from tests.loaders.goaml_sample import GOAML
from tests.loaders.iso_sample import CAMT053, PACS008
from tests.loaders.test_mapped import GERMAN, GERMAN_TOML

SAMPLES = {
    "transactions.csv": CANONICAL_TX,
    "export.csv": "date,from,to,amount,currency\n2024-01-05,A,B,10,EUR\n2024-01-06,B,C,7,USD\n",
    "transactions.jsonl": (
        '{"tx_id": "t1", "ts": "2024-01-01T00:00:00Z", "src_account": "A",'
        ' "dst_account": "B", "amount": 5, "currency": "EUR"}\n'
    ),
    "report.xml": GOAML,
    "statement.xml": CAMT053,
    "pacs.xml": PACS008,
}
# A swallowed exception inside a library callback (pyarrow's CSV invalid-row handler) would
# mean a row handled without a quarantine reason: fail on it rather than ignore it.
pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
FUZZ = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)


def _check(name: str, data: bytes, **options) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            result = load_file(path, batch_id="fuzz", **options)
        except InputError as exc:
            assert str(exc)  # one clear message
            return
    for table_name, table in result.tables.items():
        assert table.schema == schema.INPUT_TABLES[table_name]
    assert result.rejected.schema == schema.REJECTED


@st.composite
def mutated(draw, text: str) -> bytes:
    """The sample with a few random edits: deletions, insertions, repeats, byte flips."""
    data = bytearray(text.encode("utf-8"))
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        edit = draw(st.sampled_from(["delete", "insert", "repeat", "flip", "cut"]))
        if edit == "delete":
            del data[at : at + draw(st.integers(1, 40))]
        elif edit == "insert":
            noise = draw(st.sampled_from([b",", b";", b"\n", b'"', b"<", b">", b"&", b"\x00",
                                          b"\xff", b"=cmd|", b"-1e999", b"nan", b"</a>"]))  # fmt: skip
            data[at:at] = noise * draw(st.integers(1, 3))
        elif edit == "repeat":
            data[at:at] = data[at : at + draw(st.integers(1, 80))]
        elif edit == "flip":
            data[at] = draw(st.integers(0, 255))
        else:
            del data[at:]
    return bytes(data)


@FUZZ
@given(data=st.data())
def test_mutated_samples_load_or_refuse_cleanly(data):
    name = data.draw(st.sampled_from(sorted(SAMPLES)))
    _check(name, data.draw(mutated(SAMPLES[name])))


@FUZZ
@given(
    name=st.sampled_from(["transactions.csv", "x.csv", "x.jsonl", "x.xml", "x.parquet", "x.bin"]),
    payload=st.binary(max_size=400),
)
def test_random_bytes_load_or_refuse_cleanly(name, payload):
    _check(name, payload)


@FUZZ
@given(
    fmt=st.sampled_from(["goaml", "camt053", "pacs008", "canonical", "csv", "jsonl", "amlworld"]),
    payload=st.text(max_size=300),
)
def test_forced_formats_on_random_text(fmt, payload):
    _check("input.dat", payload.encode("utf-8"), format=fmt)


@FUZZ
@given(data=st.data())
def test_mapped_export_with_random_edits(data):
    with tempfile.TemporaryDirectory() as folder:
        mapping = Path(folder) / "bank.toml"
        mapping.write_text(GERMAN_TOML, encoding="utf-8")
        payload = data.draw(mutated(GERMAN))
        _check("konto.csv", payload, mapping=mapping)


@FUZZ
@given(
    cells=st.lists(
        st.lists(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=12),
                 min_size=6, max_size=6),
        max_size=8,
    )
)  # fmt: skip
def test_random_cells_in_a_canonical_csv(cells):
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["tx_id", "ts", "src_account", "dst_account", "amount", "currency"])
    writer.writerows(cells)
    _check("transactions.csv", out.getvalue().encode("utf-8"))
