"""Country codes come from ISO 3166 (pycountry): two letters alone are not a country (issue 17)."""

from __future__ import annotations

import pytest

from loaders.normalise import ISO_COUNTRIES, iban_country
from loaders.registry import load_file


@pytest.mark.parametrize("code", ["XQ", "ZZ", "QQ", "AA", "xq"])
def test_unknown_country_codes_are_refused(write, code):
    text = f"party_id,name,nationality\np1,Ana,{code}\np2,Ben,DE\n"
    result = load_file(write("parties.csv", text), batch_id="b")
    assert result.tables["parties"]["party_id"].to_pylist() == ["p2"]
    (bad,) = result.rejected.to_pylist()
    assert (bad["field"], bad["value"], bad["reason"]) == (
        "nationality",
        code,
        "unknown country code",
    )


def test_real_codes_and_common_names_still_load(write):
    text = "party_id,name,country\np1,A,de\np2,B,UK\np3,C,Türkiye\np4,D,XK\np5,E,SS\n"
    result = load_file(write("parties.csv", text), batch_id="b")
    assert result.rejected.num_rows == 0
    assert result.tables["parties"]["country"].to_pylist() == ["DE", "GB", "TR", "XK", "SS"]


def test_the_code_list_is_the_standard_one():
    assert len(ISO_COUNTRIES) == 250  # 249 ISO 3166-1 codes and Kosovo's XK
    assert {"DE", "GR", "GB", "SS", "XK"} <= ISO_COUNTRIES
    assert not {"UK", "EL", "XQ", "ZZ", "EU"} & ISO_COUNTRIES


def test_iban_country_needs_a_real_country():
    assert iban_country("DE89370400440532013000") == "DE"
    assert iban_country("ZZ89370400440532013000") is None
