"""Uploaded data is shown as text on investigators' pages, never rendered as Markdown or HTML.

A party named ``![x](http://host/beacon.png)`` made the investigator's browser fetch the image
(issue 17, item 5): a signal to the subject that someone was looking at them.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from dashboard.widgets.text import md
from engine.core import schema
from engine.store import open_store
from engine.store.base import Batch
from tests.dashboard import world
from tests.dashboard.conftest import APP, page, sign_in

BEACON = "![x](http://127.0.0.1:9/beacon.png)"
HOSTILE = [
    BEACON,
    '<img src="http://127.0.0.1:9/b.png"> Bo',
    ":red[alarm] :material/warning: $x^2$ **bold** [link](http://127.0.0.1:9/)",
    "# Heading\n- item `code` <script>alert(1)</script>",
]


def rendered(markdown: str) -> str:
    """HTML that CommonMark (which Streamlit's renderer follows) makes of ``markdown``."""
    return MarkdownIt("commonmark").render(markdown)


@pytest.mark.parametrize("name", HOSTILE)
def test_md_shows_any_value_literally(name):
    html = rendered(md(name))
    assert "<img" not in html and "<a " not in html and "<script" not in html
    assert "<strong>" not in html and "<h1>" not in html and "<code>" not in html
    text = html.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
    text = text.replace("&amp;", "&").removeprefix("<p>").removesuffix("</p>\n")
    assert text == name.replace("\n", " ")
    # Streamlit's own syntax (directives, icons, maths) is escaped too
    assert ":red[" not in md(name) and ":material/" not in md(name)
    assert "$" not in md(name).replace("\\$", "")


@pytest.fixture
def hostile_app(tmp_path, users, monkeypatch):
    home = world.build(tmp_path / "store")
    parties = schema.conform(
        pa.table({"party_id": ["PH"], "name": [BEACON + " Eve"], "kind": ["person"]}), "parties"
    )
    holdings = schema.conform(
        pa.table({"party_id": ["PH"], "account_id": ["TR01COLLECT"], "role": ["signatory"]}),
        "holdings",
    )
    results = world._results()
    evidence = results["evidence"]
    descriptions = pc.binary_join_element_wise(evidence["description"], f" by {BEACON}", "")
    results["evidence"] = evidence.set_column(
        evidence.schema.get_field_index("description"), "description", descriptions
    )
    with open_store("embedded", home=home) as store:
        store.write_batch(Batch("h", "h.csv", "kyc", "csv", {"parties": parties,
                                                             "holdings": holdings}))  # fmt: skip
        store.write_results(results)
    monkeypatch.setenv("MONEYTRAIL_STORE", "embedded")
    monkeypatch.setenv("MONEYTRAIL_HOME", str(home))
    return sign_in(AppTest.from_file(APP, default_timeout=30), "ivo")


def _no_markup(at: AppTest) -> list[str]:
    """Every Markdown-rendered text of the page, checked to render no image or link."""
    texts = []
    for kind in ("header", "subheader", "title", "markdown", "caption", "error", "warning",
                 "info", "success"):  # fmt: skip
        for element in at.get(kind):
            value = element.value if isinstance(element.value, str) else str(element.value)
            html = rendered(value)
            assert "<img" not in html and "<a " not in html, (kind, value)
            texts.append(value)
    assert not at.get("imgs")
    return texts


def test_a_hostile_party_name_is_a_literal_header(hostile_app):
    at = page(hostile_app, "entity")
    at.text_input(key="entity-search").input("Eve").run()
    assert not at.exception
    texts = _no_markup(at)
    assert [h.value for h in at.header] == [md(BEACON + " Eve")]
    assert md(BEACON + " Eve") in texts


def test_evidence_cards_show_hostile_text_literally(hostile_app):
    at = page(hostile_app, "cluster")
    texts = _no_markup(at)
    assert sum(md(BEACON) in t for t in texts) >= 2  # both evidence cards of cluster 1
