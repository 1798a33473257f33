"""Cash patterns: structuring, out-of-area deposits, funnels, cash in then wire out."""

from __future__ import annotations

from engine.detect import cash
from tests.detect.conftest import anchors_of


def _cash_world(world):
    world.account("CASH", kind="placeholder", country=None)
    world.account("acc", country="ES")
    world.party("p", "Ana Lopez", ("acc",), city="Madrid")
    return world


def test_structuring_just_under_the_threshold(world):
    _cash_world(world)
    for i, amount in enumerate([9500, 9800, 9200, 9900]):
        world.pay("CASH", "acc", amount, day=i, channel="cash", location="Madrid")
    world.account("honest")
    for i, amount in enumerate([400, 12000, 300]):  # small and large deposits: not structuring
        world.pay("CASH", "honest", amount, day=i, channel="cash", location="Madrid")
    frame = world.frame()
    hits = cash.structuring(frame)
    assert anchors_of(frame, hits) == {"acc"}
    assert len(hits.txs_of(0)) == 4


def test_structuring_same_day_many_branches(world):
    _cash_world(world)
    for i, loc in enumerate(["Madrid", "Toledo", "Segovia"]):
        world.pay("CASH", "acc", 4000 + i, day=2, channel="cash", location=loc)
    frame = world.frame()
    assert anchors_of(frame, cash.structuring(frame)) == {"acc"}


def test_out_of_area_deposits(world):
    _cash_world(world)
    for i, loc in enumerate(["Almeria", "Malaga", "Cadiz", "Almeria", "Murcia"]):
        world.pay("CASH", "acc", 800, day=i, channel="cash", location=loc, location_country="ES")
    world.account("home", country="ES")
    world.party("q", "Juan Perez", ("home",), city="Sevilla")
    for i in range(6):  # always at home
        world.pay("CASH", "home", 800, day=i, channel="cash", location="Sevilla",
                  location_country="ES")  # fmt: skip
    frame = world.frame()
    assert anchors_of(frame, cash.out_of_area(frame)) == {"acc"}


def test_funnel_cash_in_here_out_there(world):
    _cash_world(world)
    for i in range(4):
        world.pay("CASH", "acc", 3000, day=i, channel="cash", location="Madrid")
    world.pay("acc", "CASH", 11500, day=5, channel="cash", location="Algeciras")
    world.account("saver")
    for i in range(4):  # deposits, kept
        world.pay("CASH", "saver", 3000, day=i, channel="cash", location="Madrid")
    world.pay("saver", "CASH", 1000, day=40, channel="cash", location="Madrid")
    frame = world.frame()
    assert anchors_of(frame, cash.funnel(frame)) == {"acc"}


def test_cash_in_wire_out_abroad(world):
    _cash_world(world)
    world.account("abroad", country="LY")
    world.account("local", country="ES")
    for i in range(3):
        world.pay("CASH", "acc", 3000, day=i, channel="cash", location="Madrid")
    world.pay("acc", "abroad", 8500, day=3, channel="wire")
    world.account("payer", country="ES")
    for i in range(3):  # deposits then a domestic payment: not this pattern
        world.pay("CASH", "payer", 3000, day=i, channel="cash", location="Madrid")
    world.pay("payer", "local", 8500, day=3, channel="wire")
    frame = world.frame()
    hits = cash.cash_in_wire_out(frame)
    assert anchors_of(frame, hits) == {"acc"}


def test_funnel_collected_here_taken_out_abroad(world):
    # deposits at several places in Spain, two withdrawals in Morocco days later; most of the
    # money stays behind, but the trace is the funnel's
    _cash_world(world)
    for i, loc in enumerate(["Madrid", "Toledo", "Madrid", "Cuenca"]):
        world.pay("CASH", "acc", 4000, day=i, channel="cash", location=loc, location_country="ES")
    for d in (5, 6):
        world.pay("acc", "CASH", 1500, day=d, channel="cash", location="Tanger",
                  location_country="MA")  # fmt: skip
    # a holidaymaker: one deposit at home, withdrawals abroad
    world.account("tourist", country="ES")
    world.pay("CASH", "tourist", 6000, day=0, channel="cash", location="Madrid",
              location_country="ES")  # fmt: skip
    for d in (2, 3):
        world.pay("tourist", "CASH", 300, day=d, channel="cash", location="Paris",
                  location_country="FR")  # fmt: skip
    frame = world.frame()
    assert anchors_of(frame, cash.funnel(frame)) == {"acc"}


def test_cash_in_wire_out_unlike_the_history(world):
    # a small part of the cash leaves abroad, but the account never wired abroad before
    _cash_world(world)
    world.account("abroad", country="LY")
    for i in range(4):
        world.pay("CASH", "acc", 9000, day=i, channel="cash", location="Madrid")
    world.pay("acc", "abroad", 8000, day=4, channel="wire")
    # a migrant who sends money home every month, and once after a deposit
    world.account("sender", country="ES")
    world.account("mother", country="MA")
    for m in range(6):
        world.pay("sender", "mother", 300, day=30 * m + 15, channel="money_transfer")
    for i in range(4):
        world.pay("CASH", "sender", 9000, day=i, channel="cash", location="Madrid")
    world.pay("sender", "mother", 8000, day=4, channel="money_transfer")
    frame = world.frame()
    assert anchors_of(frame, cash.cash_in_wire_out(frame)) == {"acc"}


def test_out_of_area_needs_a_burst_not_a_year_of_trips(world):
    # a sales rep pays in away from home once a month, at many places, all year
    _cash_world(world)
    for m, loc in enumerate(["Bilbao", "Vigo", "Malaga", "Murcia", "Bilbao", "Vigo"]):
        world.pay("CASH", "acc", 800, day=30 * m, channel="cash", location=loc,
                  location_country="ES")  # fmt: skip
    frame = world.frame()
    assert len(cash.out_of_area(frame)) == 0
