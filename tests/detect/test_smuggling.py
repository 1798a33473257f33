"""Smuggling and trafficking money patterns: must fire, and look-alikes that must not."""

from __future__ import annotations

from engine.detect import smuggling
from tests.detect.conftest import accounts_of, anchors_of


def test_border_collector_needs_many_countries(world):
    world.account("coll", country="LY")
    world.account("local", country="LY")
    for i, cc in enumerate(["NG", "SN", "ML", "NG", "GH"]):
        world.account(f"s{i}", country=cc)
        world.pay(f"s{i}", "coll", 700, day=i)
        world.account(f"l{i}", country="LY")
        world.pay(f"l{i}", "local", 700, day=i)  # five senders, one country
    frame = world.frame()
    assert anchors_of(frame, smuggling.border_collector(frame)) == {"coll"}


def test_border_collector_many_senders_from_two_countries(world):
    world.account("coll", country="LY")
    world.account("few", country="LY")
    for i in range(10):  # ten senders from two diaspora countries
        world.account(f"s{i}", country="SE" if i % 2 else "DE")
        world.pay(f"s{i}", "coll", 700, day=i)
    for i in range(6):  # six senders from two countries: not enough without a third
        world.account(f"f{i}", country="SE" if i % 2 else "DE")
        world.pay(f"f{i}", "few", 700, day=i)
    frame = world.frame()
    assert anchors_of(frame, smuggling.border_collector(frame)) == {"coll"}


def test_unrelated_senders_abroad_but_not_a_family(world):
    world.account("ben", country="SY")
    world.account("mum", country="SY")
    for i, surname in enumerate(["Haddad", "Khalil", "Saleh", "Nasser", "Aziz"]):
        world.account(f"s{i}", country="DE")
        world.party(f"p{i}", f"Omar {surname}", (f"s{i}",), nationality="SY")
        world.pay(f"s{i}", "ben", 500, day=i)
        world.account(f"f{i}", country="DE")
        world.party(f"q{i}", f"Ali Mansour{i * 0}", (f"f{i}",), nationality="SY")
        world.pay(f"f{i}", "mum", 500, day=i)  # siblings: one surname
    frame = world.frame()
    assert anchors_of(frame, smuggling.unrelated_senders_abroad(frame)) == {"ben"}


def test_unrelated_senders_share_common_surnames_but_are_not_a_family(world):
    # strangers of one nationality: common surnames repeat (3 distinct among 4 senders)
    world.account("ben", country="SO")
    for i, name in enumerate(["Abdi Mohamed", "Hodan Mohamed", "Ayan Jama", "Omar Farah"]):
        world.account(f"s{i}", country="GB")
        world.party(f"p{i}", name, (f"s{i}",), nationality="SO")
        world.pay(f"s{i}", "ben", 700, day=i, channel="money_transfer")
    # a family: four senders, one surname
    world.account("aunt", country="SO")
    for i in range(4):
        world.account(f"f{i}", country="GB")
        world.party(f"q{i}", f"Sahra{i} Warsame", (f"f{i}",), nationality="SO")
        world.pay(f"f{i}", "aunt", 700, day=i, channel="money_transfer")
    frame = world.frame()
    assert anchors_of(frame, smuggling.unrelated_senders_abroad(frame)) == {"ben"}


def test_controller_weekly_small_payments(world):
    for v in range(3):
        for week in range(4):
            world.pay(f"victim{v}", "ctrl", 400, day=7 * week + v * 0.1, channel="mobile")
            world.pay(f"tenant{v}", "landlord", 400, day=30 * week)  # monthly: rent
    frame = world.frame()
    assert anchors_of(frame, smuggling.controller(frame)) == {"ctrl"}


def test_hawala_many_small_in_few_large_out(world):
    for i in range(12):
        world.pay(f"r{i}", "hw", 300 + i, day=i)
    world.pay("hw", "trader", 3650, day=13)
    for i in range(12):  # a shop: many small in, many small out
        world.pay(f"c{i}", "shop", 300, day=i)
        world.pay("shop", f"sup{i}", 290, day=i + 1)
    frame = world.frame()
    assert anchors_of(frame, smuggling.hawala(frame)) == {"hw"}


def test_stage_payments_in_route_order(world):
    world.account("c_tr", country="TR")
    world.account("c_gr", country="GR")
    for p in ("rel1", "rel2"):
        world.account(p, country="SY")
        world.pay(p, "c_tr", 800, day=1, channel="money_transfer")
        world.pay(p, "c_gr", 800, day=9, channel="money_transfer")
    world.account("mum_tr", country="TR")
    world.account("dad_gr", country="GR")
    world.account("kid", country="DE")
    for m in range(2):  # interleaved family support: not stages
        world.pay("kid", "mum_tr", 100, day=30 * m)
        world.pay("kid", "dad_gr", 100, day=30 * m + 2)
    frame = world.frame()
    hits = smuggling.stage_payments(frame)
    assert len(hits) == 1
    assert set(frame.graph.account_of(hits.nodes_of(0))) == {"rel1", "rel2", "c_tr", "c_gr"}


def test_stage_payments_relatives_in_a_transit_country_are_one_instance(world):
    world.account("c_ma", country="MA")
    world.account("c_es", country="ES")
    world.account("c_fr", country="FR")
    for p, home in (("rel1", "BE"), ("rel2", "ES")):  # rel2 lives in Spain: pays that stage at home
        world.account(p, country=home)
        world.pay(p, "c_ma", 800, day=1, channel="money_transfer")
        world.pay(p, "c_es", 800, day=9, channel="money_transfer")
        world.pay(p, "c_fr", 800, day=15, channel="money_transfer")
    world.account("rel3", country="ES")  # paid one domestic beneficiary only: no stages
    world.pay("rel3", "c_es", 800, day=9, channel="money_transfer")
    frame = world.frame()
    hits = smuggling.stage_payments(frame)
    assert len(hits) == 1
    assert set(frame.graph.account_of(hits.nodes_of(0))) == {"rel1", "rel2", "c_ma", "c_es",
                                                              "c_fr"}  # fmt: skip


def test_stage_payments_one_payer_alone_is_not_a_route(world):
    # one person paying a friend in Turkey, then a cousin in Greece: no relatives share it
    world.account("c_tr", country="TR")
    world.account("c_gr", country="GR")
    world.account("solo", country="SY")
    world.pay("solo", "c_tr", 800, day=1, channel="money_transfer")
    world.pay("solo", "c_gr", 800, day=9, channel="money_transfer")
    frame = world.frame()
    assert len(smuggling.stage_payments(frame)) == 0


def test_revenue_without_payroll(world):
    world.account("CASH", kind="placeholder")
    world.account("front", kind="business")
    world.account("bakery", kind="business")
    for d in range(0, 90, 3):
        world.pay("CASH", "front", 500 * (1 + 2 * d / 90), day=d, channel="cash")
        world.pay("CASH", "bakery", 500 * (1 + 2 * d / 90), day=d, channel="cash")
    for month in range(3):
        for e in range(2):
            world.pay("bakery", f"baker{e}", 1800, day=30 * month + 28)  # wages
    frame = world.frame()
    assert anchors_of(frame, smuggling.revenue_without_payroll(frame)) == {"front"}


def _arrivals(world, broker="broker", kind="personal", held_day=1.0, release=1500.0):
    """Four migrants in two journeys (days 5 and 12), their relatives paying ``broker``."""
    world.account(broker, kind=kind, country="LY")
    for i, sn in enumerate(["Tekle", "Haile", "Kidane", "Gebre"]):
        world.account(f"rel{i}", country="SE")
        world.party(f"rp{i}", f"Abebe {sn}", (f"rel{i}",), nationality="ER")
        day = 5 if i < 2 else 12
        world.pay(f"rel{i}", broker, 2000, day=held_day + day - 5, channel="money_transfer")
        world.trip(f"t{i}", f"Yonas {sn}", "MJI", "LMP", day, traveller_nationality="ER")
    world.pay(broker, "boss", release, day=5.5)
    world.pay(broker, "boss", release, day=12.5)


def test_pay_on_arrival_through_relatives(world):
    _arrivals(world)
    world.pay("other_rel", "shop", 2000, day=1)  # paid, but nobody travelled
    world.pay("shop", "supplier", 1900, day=5.5)
    frame = world.frame()
    hits = smuggling.pay_on_arrival(frame)
    assert anchors_of(frame, hits) == {"broker"}
    assert len(hits.recs_of(0)) == 4
    assert accounts_of(frame, hits, 0) == {"broker", "boss", "rel0", "rel1", "rel2", "rel3"}


def test_pay_on_arrival_business_broker_paid_during_the_journey(world):
    # a money-transfer shop, paid after departure (held while the migrants travel)
    _arrivals(world, kind="business", held_day=5.05)
    frame = world.frame()
    assert anchors_of(frame, smuggling.pay_on_arrival(frame)) == {"broker"}


def test_pay_on_arrival_look_alikes(world):
    # an account that pays out every day hits arrival windows by chance: releases are a small
    # share of its payments
    _arrivals(world)
    for d in range(20):
        world.pay("broker", f"shop{d}", 50, day=d + 0.2)
    frame = world.frame()
    assert len(smuggling.pay_on_arrival(frame)) == 0


def test_pay_on_arrival_needs_held_money_and_two_arrivals(world):
    _arrivals(world, release=5000.0)  # releases more than it ever held for them
    frame = world.frame()
    assert len(smuggling.pay_on_arrival(frame)) == 0


def test_pay_on_arrival_one_journey_is_a_coincidence(world):
    for i, sn in enumerate(["Tekle", "Haile", "Kidane"]):
        world.account(f"rel{i}", country="SE")
        world.party(f"rp{i}", f"Abebe {sn}", (f"rel{i}",), nationality="ER")
        world.pay(f"rel{i}", "broker", 2000, day=1, channel="money_transfer")
        world.trip(f"t{i}", f"Yonas {sn}", "MJI", "LMP", 5, traveller_nationality="ER")
    world.pay("broker", "boss", 2400, day=5.5)
    frame = world.frame()
    assert len(smuggling.pay_on_arrival(frame)) == 0


def test_victim_expenses(world):
    world.account("payer", kind="personal")
    for i, name in enumerate(["Ana Popescu", "Ioana Ivanova"]):
        world.trip(f"t{i}", name, "OTP", "FRA", 1, payer_account="payer")
    for i, city in enumerate(["Frankfurt", "Cologne", "Hamburg"]):
        world.account(f"hotel{i}", kind="business")
        world.pay("payer", f"hotel{i}", 300, day=2 + i, channel="card", location=city)
    frame = world.frame()
    hits = smuggling.victim_expenses(frame)
    assert anchors_of(frame, hits) == {"payer"}
    assert len(hits.recs_of(0)) == 2
