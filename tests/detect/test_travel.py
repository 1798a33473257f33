"""Travel links: co-travel groups, facilitators, ticket payers, couriers, alignment, fan-in."""

from __future__ import annotations

import datetime as dt

from engine.detect import travel
from tests.detect.conftest import accounts_of, anchors_of

BORN = dt.date(1995, 3, 4)


def _leg(world, rid, name, o, d, day, route, **kw):
    world.trip(rid, name, o, d, day, route_number=route, traveller_birth_date=BORN, **kw)


def test_one_way_group_is_reported_but_a_tour_group_is_not(world):
    for i, name in enumerate(["Abdi Farah", "Hodan Warsame", "Ayan Jama"]):
        _leg(world, f"m{i}a", name, "ADD", "KRT", 1, "ET100")
        _leg(world, f"m{i}b", name, "KRT", "CAI", 3, "MS200")
    for i, name in enumerate(["Hans Weber", "Eva Koch", "Paul Wolf"]):
        _leg(world, f"t{i}a", name, "FRA", "ATH", 1, "LH1")
        _leg(world, f"t{i}b", name, "ATH", "FRA", 8, "LH2")  # they come back: tourists
    frame = world.frame()
    groups, _ = travel.co_travel(frame)
    assert len(groups) == 1
    assert len(groups.recs_of(0)) == 6


def test_facilitator_travels_the_route_with_different_companions(world):
    for g in range(3):
        _leg(world, f"f{g}a", "Kidane Haile", "ADD", "KRT", 10 * g, f"ET{g}")
        _leg(world, f"f{g}b", "Kidane Haile", "KRT", "CAI", 10 * g + 2, f"MS{g}")
        for j in range(2):
            name = f"Migrant{g}{j} Osman"
            _leg(world, f"m{g}{j}a", name, "ADD", "KRT", 10 * g, f"ET{g}")
            _leg(world, f"m{g}{j}b", name, "KRT", "CAI", 10 * g + 2, f"MS{g}")
    frame = world.frame()
    _, facilitators = travel.co_travel(frame)
    assert len(facilitators) == 1
    assert len(facilitators.recs_of(0)) == 6


def test_a_tour_guide_or_a_family_is_not_a_facilitator(world):
    # a guide takes a different group to Athens and back every week: the tourists return
    for g in range(3):
        _leg(world, f"g{g}a", "Hans Weber", "FRA", "ATH", 10 * g, f"LH{g}")
        _leg(world, f"g{g}b", "Hans Weber", "ATH", "FRA", 10 * g + 5, f"LX{g}")
        for j in range(2):
            _leg(world, f"t{g}{j}a", f"Tourist{g}{j} Koch", "FRA", "ATH", 10 * g, f"LH{g}")
            _leg(world, f"t{g}{j}b", f"Tourist{g}{j} Koch", "ATH", "FRA", 10 * g + 5, f"LX{g}")
    # a family moving together twice along one route: they share every leg
    for name in ["Abdi Farah", "Hodan Farah", "Ayan Farah", "Omar Farah", "Ali Farah"]:
        for k in range(2):
            _leg(world, f"{name}{k}", name, "ADD", "NBO", 20 * k, f"KQ{k}")
    frame = world.frame()
    _, facilitators = travel.co_travel(frame)
    assert len(facilitators) == 0


def test_third_party_payer_on_one_route_but_not_an_agency(world):
    for i, name in enumerate(["Ali Khan", "Omar Saleh", "Yusuf Aziz"]):
        world.trip(f"p{i}", name, "IST", "IZM", 2, payer_account="coord")
    for i, (o, d) in enumerate([("FRA", "JFK"), ("MAD", "LIM"), ("ROM", "BKK")]):
        world.trip(f"a{i}", f"Tourist{i} Smith", o, d, 2, payer_account="agency")
    world.pay("coord", "x", 1, day=0)
    world.pay("agency", "y", 1, day=0)
    frame = world.frame()
    assert anchors_of(frame, travel.third_party_payer(frame)) == {"coord"}


def test_courier_round_trips_with_cash_but_not_a_commuter(world):
    world.account("CASH", kind="placeholder")
    world.party("c", "Marko Petrovic", ("cacc",), birth_date=BORN)
    world.party("w", "Jan Novak", ("wacc",), birth_date=BORN)
    for k in range(3):
        _leg(world, f"c{k}a", "Marko Petrovic", "BEG", "BUD", 7 * k, None)
        _leg(world, f"c{k}b", "Marko Petrovic", "BUD", "BEG", 7 * k + 1, None)
        world.pay("CASH", "cacc", 9000, day=7 * k, channel="cash")
        _leg(world, f"w{k}a", "Jan Novak", "BTS", "VIE", 7 * k, None)
        _leg(world, f"w{k}b", "Jan Novak", "VIE", "BTS", 7 * k + 0.4, None)
        world.pay("wacc", "shop", 20, day=30 + k, channel="card")
    frame = world.frame()
    assert anchors_of(frame, travel.courier_round_trips(frame)) == {"cacc"}


def test_courier_two_round_trips_and_where_the_cash_went(world):
    world.account("CASH", kind="placeholder")
    world.party("c", "Marko Petrovic", ("cacc",), birth_date=BORN)
    for k in range(2):
        _leg(world, f"c{k}a", "Marko Petrovic", "BEG", "BUD", 7 * k, f"JU{k}")
        _leg(world, f"c{k}b", "Marko Petrovic", "BUD", "BEG", 7 * k + 3.5, f"JV{k}")
        _cash(world, "cacc", "CASH", 9000, 7 * k, "RS", "Novi Sad")
        _cash(world, "CASH", "boss", 8800, 7 * k + 0.3, "HU", "Szeged")
    frame = world.frame()
    hits = travel.courier_round_trips(frame)
    assert anchors_of(frame, hits) == {"cacc"}
    assert accounts_of(frame, hits, 0) == {"cacc", "boss"}


def _cash(world, src, dst, amount, day, country, city):
    world.pay(src, dst, amount, day=day, channel="cash", location=city, location_country=country)


def test_payment_trip_alignment_cash_carried_to_one_account(world):
    # a courier withdraws at home before each flight; about the same cash is paid into the
    # boss's account at the destination after each arrival
    world.account("CASH", kind="placeholder")
    world.party("p", "Amina Diallo", ("acc",), birth_date=BORN)
    for k, day in enumerate([3, 20]):
        _leg(world, f"r{k}", "Amina Diallo", "BKO", "ALG", day, f"AH{k}")
        _cash(world, "acc", "CASH", 8000, day, "ML", "Segou")  # not the airport's city
        _cash(world, "CASH", "boss", 7900, day + 0.5, "DZ", "Oran")
    _cash(world, "CASH", "acc", 2000, 9, "ML", "Bamako")  # another day
    frame = world.frame()
    hits = travel.payment_trip_alignment(frame)
    assert anchors_of(frame, hits) == {"acc"}
    assert accounts_of(frame, hits, 0) == {"acc", "boss"}
    assert len(hits.txs_of(0)) == 4 and len(hits.recs_of(0)) == 2


def test_payment_trip_alignment_own_accounts_one_leg(world):
    world.account("CASH", kind="placeholder")
    world.party("p", "Amina Diallo", ("acc",), birth_date=BORN)
    _leg(world, "r1", "Amina Diallo", "BKO", "ALG", 3, "AH1")
    _cash(world, "CASH", "acc", 5000, 3, "ML", "Bamako")  # deposited where she leaves
    _cash(world, "acc", "CASH", 4800, 3.5, "DZ", "Algiers")  # withdrawn where she arrives
    frame = world.frame()
    assert anchors_of(frame, travel.payment_trip_alignment(frame)) == {"acc"}


def test_payment_trip_alignment_look_alikes(world):
    world.account("CASH", kind="placeholder")
    world.party("t", "Hans Weber", ("tacc",), birth_date=BORN)
    world.party("u", "Eva Koch", ("uacc",), birth_date=BORN)
    # a tourist withdraws on arrival only
    _leg(world, "t1", "Hans Weber", "MAD", "ATH", 3, "IB1")
    _cash(world, "tacc", "CASH", 200, 3.5, "GR", "Athens")
    # cash at both ends, amounts unrelated
    _leg(world, "u1", "Eva Koch", "MAD", "ATH", 5, "IB2")
    _cash(world, "uacc", "CASH", 100, 5, "ES", "Madrid")
    _cash(world, "uacc", "CASH", 400, 5.5, "GR", "Athens")
    # a deposit of a similar amount into a stranger's account after one arrival: coincidence
    _cash(world, "CASH", "stranger", 95, 5.5, "GR", "Athens")
    frame = world.frame()
    assert len(travel.payment_trip_alignment(frame)) == 0


def test_group_fan_in_families_pay_one_collector(world):
    for i, sn in enumerate(["Farah", "Warsame", "Jama"]):
        _leg(world, f"m{i}a", f"Abdi {sn}", "ADD", "KRT", 10, "ET1")
        _leg(world, f"m{i}b", f"Abdi {sn}", "KRT", "CAI", 12, "MS1")
        world.party(f"rel{i}", f"Hodan {sn}", (f"racc{i}",))
        world.pay(f"racc{i}", "collector", 1500, day=11, channel="money_transfer")
    frame = world.frame()
    groups, _ = travel.co_travel(frame)
    hits = travel.group_fan_in(frame, groups)
    assert anchors_of(frame, hits) == {"collector"}
