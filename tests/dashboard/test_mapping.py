"""dashboard.widgets.mapping: a German bank export loads with columns picked on the Upload page
(or a mapping file) where, without one, it is refused."""

from __future__ import annotations

import gzip

import pyarrow.compute as pc
import pytest

from dashboard.widgets.mapping import NONE, header, mapping_file, mapping_from_choices
from engine.core.errors import MoneytrailError
from engine.services.ingest import ingest_file
from engine.store.embedded import EmbeddedStore

GERMAN = (
    b"Buchungstag;Betrag;Empfaenger\n"
    b"01.03.2024;-1.250,50;DE02120300000000202051\n"
    b"04.03.2024;-80,00;DE44500105175407324931\n"
    b"05.03.2024;nicht;DE44500105175407324931\n"
)
OWN = "DE89370400440532013000"


def picks(**chosen: str) -> dict[str, str]:
    return {"ts": NONE, "amount": NONE, "counterparty": NONE, **chosen}


def test_header_is_read_with_its_delimiter():
    assert header(GERMAN) == (["Buchungstag", "Betrag", "Empfaenger"], ";")


def test_header_names_the_columns_the_loader_sees():
    """A compressed upload is opened, a repeated name is numbered as the loader numbers it,
    and an empty file is refused by name (the picks must name columns the loader will find)."""
    repeated = b"Buchungstag;Betrag;Betrag\n01.03.2024;1,00;2,00\n"
    expected = (["Buchungstag", "Betrag", "Betrag.1"], ";")
    assert header(repeated, "konto.csv") == expected
    assert header(gzip.compress(repeated), "konto.csv.gz") == expected
    with pytest.raises(MoneytrailError, match=r"leer\.csv"):
        header(b"", "leer.csv")


def test_picked_columns_load_the_german_export(tmp_path):
    path = tmp_path / "konto.csv"
    path.write_bytes(GERMAN)
    with EmbeddedStore(tmp_path / "store") as store:
        with pytest.raises(MoneytrailError):
            ingest_file(store, path)
        _, delimiter = header(GERMAN)
        mapping = mapping_from_choices(
            picks(ts="Buchungstag", amount="Betrag", counterparty="Empfaenger"),
            delimiter=delimiter,
            own_account=OWN,
            decimal=",",
            date_format="%d.%m.%Y",
            currency="EUR",
        )
        report = ingest_file(store, path, mapping=mapping)
        assert (report.accepted, report.rejected) == (2, 1)
        tx = store.read_table("transactions")
        assert sorted(tx["amount"].to_pylist()) == [80.0, 1250.5]
        assert set(tx["src_account"].to_pylist()) == {OWN}
        assert pc.max(tx["ts"]).as_py().day == 4
        # the rejected row stays to be seen and downloaded later
        assert store.read_table("rejected").num_rows == 1


def test_a_mapping_file_gives_the_same_mapping():
    toml = (
        'kind = "transactions"\ndelimiter = ";"\ndecimal = ","\nthousands = "."\n'
        'date_formats = ["%d.%m.%Y"]\ncurrency = "EUR"\n[columns]\nts = "Buchungstag"\n'
        f'amount = "Betrag"\ncounterparty = "Empfaenger"\nown_account = {{ value = "{OWN}" }}\n'
    )
    from_file = mapping_file("bank.toml", toml.encode())
    picked = mapping_from_choices(
        picks(ts="Buchungstag", amount="Betrag", counterparty="Empfaenger"),
        delimiter=";", own_account=OWN, decimal=",", date_format="%d.%m.%Y", currency="EUR",
    )  # fmt: skip
    assert from_file.columns == picked.columns and from_file.decimal == picked.decimal


def test_a_wrong_mapping_file_is_an_error_naming_it():
    with pytest.raises(MoneytrailError, match="unknown settings"):
        mapping_file("bank.toml", b"colums = 1\n")
