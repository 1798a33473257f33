"""Page addresses: /cluster?id=… and /entity?id=… open that case or entity, the pages write the
id they show into the address, and signing in returns to the page and query asked for."""

from __future__ import annotations

from tests.dashboard.conftest import PASSWORD, page, sign_in


def test_the_address_opens_the_case_it_names(app) -> None:
    app.query_params["id"] = "2"
    at = page(app, "cluster")
    assert [t.value for t in at.title] == ["Cluster 2"]


def test_the_case_shown_is_written_into_the_address(app) -> None:
    at = page(app, "cluster")
    assert at.query_params["id"] == "1"
    at.selectbox(key="cluster_select").select(2).run()
    assert [t.value for t in at.title] == ["Cluster 2"]
    assert at.query_params["id"] == "2"


def test_an_address_naming_no_current_case_says_so(app) -> None:
    app.query_params["id"] = "999"
    at = page(app, "cluster")
    assert any("Case 999 is not in the latest analysis" in w.value for w in at.warning)
    assert [t.value for t in at.title] == ["Cluster 1"]


def test_the_address_opens_the_entity_it_names(app) -> None:
    app.query_params["id"] = "DE01BERG"
    at = page(app, "entity")
    assert any("Anna Berg" in h.value for h in at.header)
    assert at.query_params["id"] == "DE01BERG"


def test_opening_a_member_gives_the_entity_its_address(app) -> None:
    at = page(app, "cluster")
    at.selectbox(key="member_pick").select("TR01COLLECT")
    at.button(key="open-member").click().run()
    assert any("Mehmet Kaya" in h.value for h in at.header)
    assert at.query_params["id"] == "TR01COLLECT"


def test_sign_in_returns_to_the_page_and_query_asked_for(anonymous_app) -> None:
    at = anonymous_app
    at.switch_page("views/cluster.py")
    at.query_params["id"] = "2"
    at.run()
    assert at.title[0].value == "moneytrail"  # the sign-in form, nothing else
    at.text_input(key="auth_username").input("ivo")
    at.text_input(key="auth_password").input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == ["Cluster 2"]


def test_sign_in_does_not_open_a_page_the_role_does_not_allow(anonymous_app) -> None:
    at = anonymous_app
    at.switch_page("views/admin.py")
    at.run()
    at.text_input(key="auth_username").input("ivo")  # an investigator: no admin page
    at.text_input(key="auth_password").input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Administration" not in [t.value for t in at.title]


def test_a_signed_in_session_is_not_sent_back(anonymous_app) -> None:
    at = sign_in(anonymous_app, "ivo")
    at = page(at, "entity")
    assert [t.value for t in at.title] == ["Entity"]
