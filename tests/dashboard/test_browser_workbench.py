"""The workbench's journeys in a real headless Chromium: expand a node in place, draw a path
from Follow the money in red, and narrow the time range.

Runs over the tiny world by default. ``MONEYTRAIL_WORKBENCH_HOME`` names a prepared store
instead (for example the medium world of ``moneytrail demo --scale medium --no-serve``), and
``MONEYTRAIL_BROWSER_TIMES`` a JSON file the interaction times are written to: the benchmark
report reads them (:mod:`benchmarks.cases.workbench`); nothing here asserts a time.
``MONEYTRAIL_SCREENSHOTS`` names a folder for screenshots of each journey (over the demo
world, ``MONEYTRAIL_SCREENSHOTS=docs/screenshots`` refreshes the README's pictures).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from tests.browser import dashboard_server
from tests.dashboard import world

pytestmark = pytest.mark.browser

USER, PASSWORD = "workbench", "a long workbench password"
TIMES: dict[str, float] = {}
#: The server's audit log (set by the ``server`` fixture).
AUDIT: dict[str, Path] = {}
SHOTS = os.environ.get("MONEYTRAIL_SCREENSHOTS")
#: Cytoscape, reached from the component's frame (the same handle tests/dashboard/test_browser.py uses).
CY = "cy => cy._cyreg.cy"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    from engine.security.auth import UserDirectory

    given = os.environ.get("MONEYTRAIL_WORKBENCH_HOME")
    scratch = tmp_path_factory.mktemp("workbench")
    home = Path(given) if given else world.build(scratch / "store")
    env = {
        **os.environ,
        "MONEYTRAIL_USERS_FILE": str(scratch / "users.json"),
        "MONEYTRAIL_AUDIT_FILE": str(scratch / "audit.jsonl"),
        "MONEYTRAIL_AUDIT_ANCHOR": str(scratch / "anchor"),
    }
    UserDirectory(env["MONEYTRAIL_USERS_FILE"]).add(USER, "admin", PASSWORD)
    AUDIT["file"] = Path(env["MONEYTRAIL_AUDIT_FILE"])
    with dashboard_server(home, env, scratch / "streamlit.log") as url:
        yield url, not given
    out = os.environ.get("MONEYTRAIL_BROWSER_TIMES")
    if out and TIMES:
        Path(out).write_text(json.dumps({"world": str(home), **TIMES}, indent=2))


@pytest.fixture
def tab(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(90_000)
    yield page
    context.close()


def _idle(page) -> None:
    page.wait_for_timeout(250)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=120_000
    )


def _sign_in_at(page, url: str) -> None:
    page.goto(url)
    page.get_by_label("User name").fill(USER)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Sign out").wait_for()
    _idle(page)


def _cy(page):
    """The network component's frame and its ``#cy`` element, once drawn."""
    element = page.locator("iframe[title*='streamlit_cytoscape']").first
    element.wait_for()
    frame = element.content_frame
    frame.locator("#cy canvas").first.wait_for()
    return element, frame.locator("#cy")


def _until(page, cy, script: str, timeout: float = 120.0) -> float:
    """Seconds until ``script`` (a function of Cytoscape) is true and Streamlit is idle."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        try:
            if cy.evaluate(f"el => {{ const cy = el._cyreg.cy; return ({script}); }}"):
                break
        except Exception:  # the frame may be re-rendering
            pass
        page.wait_for_timeout(50)
    else:
        pytest.fail(f"never true: {script}")
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=120_000
    )
    return time.perf_counter() - start


def _tap(page, element, cy, node_id: str) -> None:
    """Click a node where Cytoscape draws it."""
    element.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    where = cy.evaluate(
        f"""el => {{ const c = el._cyreg.cy; const p = c.getElementById({json.dumps(node_id)})
                    .renderedPosition(); const b = el.getBoundingClientRect();
                    return {{x: b.left + p.x, y: b.top + p.y}}; }}"""
    )
    box = element.bounding_box()
    page.mouse.click(box["x"] + where["x"], box["y"] + where["y"])


def _shot(page, element, name: str) -> None:
    """A screenshot of the page with the network in view, when asked for."""
    if not SHOTS:
        return
    Path(SHOTS).mkdir(parents=True, exist_ok=True)
    if element is not None:
        element.scroll_into_view_if_needed()
        page.mouse.wheel(0, -250)
    page.wait_for_timeout(1200)
    page.screenshot(path=str(Path(SHOTS) / name), full_page=False)


def _nodes(cy) -> list[dict]:
    return cy.evaluate(
        "el => el._cyreg.cy.nodes().map(n => ({id: n.id(), kind: n.data('kind'), "
        "amount: n.data('amount'), x: n.position('x'), y: n.position('y')}))"
    )


def test_expand_a_node_in_place(tab, server) -> None:
    url, tiny = server
    _sign_in_at(tab, f"{url}/cluster?id=1")
    element, cy = _cy(tab)
    TIMES["network_drawn_s"] = _until(tab, cy, "cy.nodes().length > 0")
    before = {n["id"]: (n["x"], n["y"]) for n in _nodes(cy)}
    elements = cy.evaluate("el => el._cyreg.cy.elements().length")
    assert elements <= 300
    # preset layout: the positions are the server's, the same at the next load
    node = "SY01SEND1" if tiny else _largest_account(cy)
    if tiny:
        _tap(tab, element, cy, node)  # a real click where the node is drawn
    else:  # in a full picture another node may lie on top: tap it through Cytoscape
        element.scroll_into_view_if_needed()
        cy.evaluate(f"el => el._cyreg.cy.getElementById({json.dumps(node)}).emit('tap')")
    tab.get_by_text(f"Selected: {node}").wait_for()
    _idle(tab)
    tab.get_by_role("button", name="Expand").click()
    count = len(before)
    flag = f"cy.getElementById({json.dumps(node)}).data('_expanded')"
    TIMES["expand_s"] = _until(tab, cy, f"{flag} == 1")
    after = {n["id"]: (n["x"], n["y"]) for n in _nodes(cy)}
    if tiny:
        assert "CASH" in after
    moved = [k for k in before if k in after and before[k] != after[k]]
    assert not moved, f"expanding moved {moved[:5]}"
    _shot(tab, element, "cluster-expanded.png")
    tab.get_by_role("button", name="Collapse").click()
    TIMES["collapse_s"] = _until(tab, cy, f"{flag} == 0")
    if tiny:
        assert cy.evaluate("el => el._cyreg.cy.nodes().length") == count


def test_a_path_is_drawn_in_red(tab, server) -> None:
    url, tiny = server
    _sign_in_at(tab, f"{url}/cluster?id=1")
    _element, cy = _cy(tab)
    _until(tab, cy, "cy.nodes().length > 0")
    if tiny:
        source, target = "Amina Yusuf", "Gulf Exchange"
    else:
        source, target = cy.evaluate(
            "el => { const e = el._cyreg.cy.edges('[label = \"TRANSFER\"]')"
            ".filter(e => !e.source().id().startsWith('__') && !e.target().id().startsWith('__'))"
            ".sort((a, b) => b.data('amount') - a.data('amount'))[0];"
            " return [e.source().id(), e.target().id()]; }"
        )
    tab.get_by_role("link", name="Follow the money").click()
    tab.get_by_role("heading", name="Follow the money").wait_for()
    for label, text in (("From (name, account, document)", source), ("To (optional)", target)):
        box = tab.get_by_label(label)
        box.fill(text)
        box.press("Enter")
        _idle(tab)
    tab.get_by_text("Shortest path", exact=True).wait_for()
    tab.get_by_role("button", name="Draw on the network").first.click()
    element, cy = _cy(tab)
    TIMES["draw_path_s"] = _until(tab, cy, "cy.edges('[_path = 1]').length > 0")
    colours = cy.evaluate("el => el._cyreg.cy.edges('[_path = 1]').map(e => e.style('line-color'))")
    assert colours and set(colours) == {"rgb(220,38,38)"}
    _shot(tab, element, "cluster-path.png")
    if tiny:
        red = cy.evaluate(
            "el => el._cyreg.cy.edges('[_path = 1]').map(e => e.source().id() + '>' + "
            "e.target().id()).sort()"
        )
        assert red == ["SY01SEND1>TR01COLLECT", "TR01COLLECT>AE01HAWALA"]
    tab.get_by_role("button", name="Clear path").click()
    TIMES["clear_path_s"] = _until(tab, cy, "cy.edges('[_path = 1]').length == 0")


def test_the_time_range_narrows_the_network(tab, server) -> None:
    url, tiny = server
    _sign_in_at(tab, f"{url}/cluster?id=1")
    element, cy = _cy(tab)
    _until(tab, cy, "cy.nodes().length > 0")
    edges = cy.evaluate("el => el._cyreg.cy.edges('[label = \"TRANSFER\"]').length")
    end = tab.get_by_role("slider").nth(1)
    end.focus()
    # the last day moves back ten days: nine steps, then one timed; one step at a time (quick
    # presses can be lost to a rerun on a loaded machine)
    end.press("ArrowLeft")  # the first: the range is narrowed and the page says so
    tab.get_by_text("Showing from").wait_for()
    _idle(tab)
    for _ in range(8):
        _step_back(tab, end)
    start = time.perf_counter()
    _step_back(tab, end, idle=False)  # _until below waits for the network and for idle
    _until(tab, cy, f"cy.edges('[label = \"TRANSFER\"]').length <= {edges}")
    TIMES["time_range_s"] = time.perf_counter() - start
    if tiny:  # 13 March -> 3 March: the broker's transfer of 8 March is gone
        tab.get_by_text("Showing from 2024-02-24 to 2024-03-03").wait_for()
        assert cy.evaluate("el => el._cyreg.cy.edges('[label = \"TRANSFER\"]').length") < edges
        assert (
            cy.evaluate(
                "el => el._cyreg.cy.edges().filter(e => e.source().id() == 'TR01COLLECT' && "
                "e.target().id() == 'AE01HAWALA').length"
            )
            == 0
        )
    _shot(tab, element, "cluster.png")
    # the range survives a switch of tab and of page
    for name, shot in (("Timeline", "cluster-timeline.png"), ("Travel map", "cluster-map.png")):
        tab.get_by_role("tab", name=name).click()
        chart = tab.get_by_role("tabpanel").locator(".js-plotly-plot").first
        if SHOTS and chart.count():
            chart.scroll_into_view_if_needed()
            tab.mouse.wheel(0, 120)
        _shot(tab, None, shot)
    tab.get_by_role("link", name="Entity").click()
    tab.get_by_role("heading", name="Entity").wait_for()
    tab.get_by_role("link", name="Cluster", exact=True).click()
    tab.get_by_text("Showing from").wait_for()


def _range_caption(page) -> str:
    return page.get_by_text("Showing from").inner_text()


def _step_back(page, slider, idle: bool = True) -> None:
    """Move the range's last day back one step and wait until the page says so."""
    before = _range_caption(page)
    slider.press("ArrowLeft")
    page.wait_for_function(
        "t => [...document.querySelectorAll('[data-testid=\"stCaptionContainer\"]')]"
        ".some(c => c.innerText.startsWith('Showing from') && c.innerText !== t)",
        arg=before,
    )
    if idle:
        _idle(page)


def _largest_account(cy) -> str:
    nodes = [n for n in _nodes(cy) if n["kind"] == "account" and not n["id"].startswith("__")]
    return max(nodes, key=lambda n: (n["amount"], n["id"]))["id"]


def test_a_note_status_and_decision_are_kept_and_audited(tab, server) -> None:
    url, _tiny = server
    _sign_in_at(tab, f"{url}/cluster?id=1")
    note = "Called the bank <b>back</b>: ![x](http://beacon.invalid/x.png) 2 accounts"
    tab.get_by_role("combobox", name="Status").click()
    tab.get_by_role("option", name="In review").click()
    tab.get_by_label("Note").fill(note)
    start = time.perf_counter()
    tab.get_by_role("button", name="Save").click()
    tab.get_by_text("note added").first.wait_for()
    _idle(tab)
    TIMES["save_note_s"] = time.perf_counter() - start
    tab.get_by_role("combobox", name="Decision on this case").click()
    tab.get_by_role("option", name="Escalated").click()
    tab.get_by_label("Reason").fill("structured deposits before the crossing")
    start = time.perf_counter()
    tab.get_by_role("button", name="Record").click()
    tab.get_by_text("Recorded: escalated for this case").wait_for()
    _idle(tab)
    TIMES["record_decision_s"] = time.perf_counter() - start
    # a reload (a new session) shows both, the note as text, never as markup
    tab.reload()
    tab.get_by_role("button", name="Sign out").wait_for()
    _idle(tab)
    tab.get_by_text("structured deposits before the crossing").first.wait_for()
    tab.get_by_text(note).first.wait_for()
    assert tab.locator("img[src*='beacon.invalid']").count() == 0
    assert tab.locator("b", has_text="back").count() == 0
    # each change is one entry of the server's audit trail, by the signed-in user
    entries = [json.loads(line) for line in AUDIT["file"].read_text().splitlines() if line]
    mine = [e for e in entries if e.get("user") == USER]
    actions = [e.get("action") for e in mine]
    for action in ("set_status", "add_note", "record_decision"):
        assert actions.count(action) == 1, (action, actions)
