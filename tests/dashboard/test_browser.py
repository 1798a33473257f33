"""The investigator's journey in a real headless Chromium (Debian's build, driven by Playwright).

Starts ``moneytrail dashboard`` on a free port over a copy of the tiny world, then: signs in
as an admin through the form, uploads a file, opens the top cluster and taps a node of its network, follows the money between two
members, and exports the case file, checking the ZIP and the audit trail the journey left. Screenshots go to a temporary folder
(or to ``$MONEYTRAIL_SCREENSHOTS``).
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
import time
import zipfile
from pathlib import Path

import pytest

from engine.security.audit import AuditLog
from tests.browser import dashboard_server
from tests.dashboard import world
from tests.services.test_anx import chart as anx_chart
from tests.services.test_anx import parse as anx_parse

pytestmark = pytest.mark.browser

USER, PASSWORD = "journey", "a long journey password"
#: Where the journey's screenshots go: a temporary folder, unless MONEYTRAIL_SCREENSHOTS names
#: one (``MONEYTRAIL_SCREENSHOTS=docs/screenshots`` refreshes the README's pictures), so a test
#: run never changes files in the repository.
SHOTS = Path(os.environ.get("MONEYTRAIL_SCREENSHOTS") or tempfile.mkdtemp(prefix="mt-shots-"))
UPLOAD = """tx_id,ts,src_account,dst_account,amount,currency,channel
U1,2024-04-01T10:00:00Z,SY01SEND1,TR01COLLECT,2500,EUR,money_transfer
U2,2024-04-02T10:00:00Z,IQ01SEND2,TR01COLLECT,2600,EUR,money_transfer
U3,not-a-date,IQ01SEND2,TR01COLLECT,2600,EUR,money_transfer
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    """The dashboard served over a fresh tiny world; yields its base URL."""
    from engine.security.auth import UserDirectory

    home = world.build(tmp_path_factory.mktemp("browser") / "store")
    env = {
        **os.environ,
        "MONEYTRAIL_USERS_FILE": str(home.parent / "users.json"),
        "MONEYTRAIL_AUDIT_FILE": str(home.parent / "audit.jsonl"),
    }
    env.pop("MONEYTRAIL_PSEUDONYM_KEY", None)
    UserDirectory(env["MONEYTRAIL_USERS_FILE"]).add(USER, "admin", PASSWORD)
    with dashboard_server(home, env, home.parent / "streamlit.log") as url:
        yield url, Path(env["MONEYTRAIL_AUDIT_FILE"])


@pytest.fixture
def page(browser, server):
    server, _ = server
    context = browser.new_context(viewport={"width": 1400, "height": 950}, accept_downloads=True)
    # Nothing may come from the internet: every request must go to the dashboard itself.
    outside: list[str] = []
    context.on(
        "request",
        lambda r: (
            None
            if r.url.startswith((server, "data:", "blob:", "about:"))
            else outside.append(r.url)
        ),
    )
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    yield tab
    context.close()
    assert not outside, f"requests left the machine: {outside[:5]}"


def _settle(page) -> None:
    """Wait until Streamlit has finished running the script."""
    page.wait_for_timeout(300)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=90_000
    )
    page.wait_for_timeout(300)


def _shot(page, name: str) -> None:
    print(name, round(time.perf_counter() - START, 1))
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=False)


def _search(page, label: str, text: str) -> None:
    box = page.get_by_label(label)
    box.fill(text)
    box.press("Enter")
    _settle(page)


START = time.perf_counter()


def test_investigator_journey(page, server, tmp_path):
    global START
    START = time.perf_counter()
    server, audit_file = server
    # 0. Nothing without signing in: the form first (a page reload starts a new session, so
    # the journey moves by the sidebar's links from here on).
    page.goto(f"{server}/upload")
    page.get_by_label("User name").fill(USER)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Sign out").wait_for()
    page.get_by_role("heading", name="Upload").wait_for()  # back to the page asked for
    _settle(page)

    # 1. Upload a file: two rows accepted, one rejected with its reason.
    upload = tmp_path / "april-transfers.csv"
    upload.write_text(UPLOAD)
    page.get_by_role("link", name="Upload").click()
    page.get_by_role("heading", name="Upload").wait_for()
    page.locator("input[type=file]").set_input_files(str(upload))
    page.get_by_role("button", name="Ingest").click()
    page.get_by_text("2 rows accepted").wait_for()
    assert page.get_by_text("not a date and time").count() >= 1
    _settle(page)
    _shot(page, "upload.png")

    # 2. Overview, then the ranked clusters; open the top one.
    page.get_by_role("link", name="Overview").click()
    page.get_by_text("Flagged clusters").wait_for()
    page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=120_000)
    _settle(page)
    _shot(page, "overview.png")
    page.get_by_role("link", name="Clusters").first.click()
    page.get_by_role("heading", name="Clusters").wait_for()
    _settle(page)
    _shot(page, "clusters.png")
    page.get_by_role("button", name="Open cluster").click()
    page.get_by_role("heading", name="Cluster 1").wait_for()
    _settle(page)

    # 3. The network picture is interactive: tapping a node selects that entity.
    frame_element = page.locator("iframe[title*='streamlit_cytoscape']").first
    frame_element.wait_for()
    frame = frame_element.content_frame
    frame.locator("#cy canvas").first.wait_for()
    frame_element.scroll_into_view_if_needed()  # the decision box above pushes it down
    page.wait_for_timeout(2500)  # layout animation
    where = """cy => { const c = cy._cyreg.cy; const n = c.getElementById('TR01COLLECT');
                       const p = n.renderedPosition(); const b = cy.getBoundingClientRect();
                       return {x: b.left + p.x, y: b.top + p.y}; }"""
    position = frame.locator("#cy").evaluate(where)
    for _ in range(40):  # on a loaded machine the layout may still be moving: wait until it rests
        page.wait_for_timeout(500)
        again = frame.locator("#cy").evaluate(where)
        if again == position:
            break
        position = again
    box = frame_element.bounding_box()
    _shot(page, "cluster.png")
    page.mouse.click(box["x"] + position["x"], box["y"] + position["y"])
    page.get_by_text("Selected: TR01COLLECT").wait_for()
    _settle(page)
    page.get_by_role("tab", name="Travel map").click()
    page.wait_for_timeout(800)
    _shot(page, "cluster-map.png")
    page.get_by_role("tab", name="Money flow").click()
    page.wait_for_timeout(800)
    _shot(page, "cluster-flow.png")

    # The tapped node opens as an entity: the collector and his counterparties.
    page.get_by_role("tab", name="Network").click()
    page.get_by_role("button", name="Open entity").click()
    page.get_by_role("heading", name="Mehmet Kaya · TR01COLLECT").wait_for()
    _settle(page)
    page.wait_for_timeout(1500)
    _shot(page, "entity.png")

    # 4. Follow the money between two members of the cluster.
    page.get_by_role("link", name="Follow the money").click()
    page.get_by_role("heading", name="Follow the money").wait_for()
    _search(page, "From (name, account, document)", "Amina Yusuf")
    _search(page, "To (optional)", "Gulf Exchange")
    page.get_by_text("Time-respecting path").wait_for()
    page.get_by_text("2 hops").first.wait_for()
    _shot(page, "follow.png")

    # 5. Export the case file and check the ZIP.
    page.get_by_role("link", name="Export").click()
    page.get_by_role("heading", name="Export a case file").wait_for()
    page.get_by_role("button", name="Build case file").click()
    with page.expect_download() as info:
        page.get_by_role("button", name="Download moneytrail-cluster-1.zip").click()
    data = Path(info.value.path()).read_bytes()
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert set(archive.namelist()) >= {
        "members.csv",
        "transactions.csv",
        "trips.csv",
        "evidence.csv",
        "network.graphml",
        "report.html",
    }
    transactions = archive.read("transactions.csv").decode()
    # the uploaded transfer is in the case (its reference below), under a keyed id: a
    # pseudonymised export names no transaction, account or party as the store does
    assert "U1" not in transactions and "TX-" in transactions
    assert "'=HYPERLINK" in transactions and ",=HYPERLINK" not in transactions
    report = archive.read("report.html").decode()
    assert "<svg" in report and "fan_in" in report and "<script" not in report
    # the same case as i2 ANX XML: read back with a parser that loads no DTD or entity
    with page.expect_download() as info:
        page.get_by_role("button", name="Download moneytrail-cluster-1.anx").click()
    anx = Path(info.value.path()).read_bytes()
    assert anx == archive.read("case.anx")
    labels, links = anx_chart(anx_parse(anx))
    transfers = [i for i in links if i.find("Link/LinkStyle").get("Type") == "Transaction"]
    rows = list(csv.DictReader(io.StringIO(transactions)))
    assert len(transfers) == len(rows) and labels
    amounts = sorted(
        float(a.get("Value"))
        for i in transfers
        for a in i.iter("Attribute")
        if a.get("AttributeClass") == "amount"
    )
    assert amounts == pytest.approx(sorted(float(r["amount"]) for r in rows))
    ends = {
        e for i in transfers for e in (i.find("Link").get("End1Id"), i.find("Link").get("End2Id"))
    }
    assert ends <= set(labels)
    text = anx.decode()
    for _, name, _, doc, account in world.SENDERS:
        assert name not in text and doc not in text and account not in text, name
    _shot(page, "export.png")

    # 6. The audit trail: each step the journey took, by the signed-in user.
    trail = AuditLog(audit_file)
    assert trail.verify().ok
    done = {(e["user"], e["action"]) for e in trail.entries()}
    for action in ("sign_in", "upload", "view_cluster", "view_entity", "search", "follow_money"):
        assert (USER, action) in done, action
    assert [e["target"] for e in trail.entries(action="export")] == ["cluster:1"]
