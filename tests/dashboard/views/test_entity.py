"""Entity page: search, holdings, counterparties, trips, links and clusters."""

from tests.dashboard.conftest import page


def test_search_and_show_a_person(app):
    at = page(app, "entity")
    at.text_input(key="entity-search").input("Yusuf").run()
    assert not at.exception
    assert [h.value for h in at.header] == ["Amina Yusuf"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Clusters"] == "1"
    assert metrics["Trips"] == "1"
    # attributes as labelled fields, not a JSON block
    assert not at.json
    text = " ".join(m.value for m in at.markdown).replace("\\", "")
    assert "**Document number**" in text and "N0001" in text and "**Nationality**" in text
    assert "batch_id" not in text and "id_document_number" not in text


def test_shared_passport_finds_both_people(app):
    at = page(app, "entity")
    at.text_input(key="entity-search").input("N0003").run()
    options = at.selectbox[0].options
    assert any("Farid Rahimi" in o for o in options) and any("Samir Nouri" in o for o in options)


def test_unknown_text_says_so(app):
    at = page(app, "entity")
    at.text_input(key="entity-search").input("nobody-here").run()
    assert any("Nothing matches" in w.value for w in at.warning)
