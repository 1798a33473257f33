"""Route arcs (the short way round, cut at the date line) and airport labels kept apart."""

from __future__ import annotations

import itertools

from engine.queries.routes import LABEL_SPOTS, label_spots, route_arc


def pieces(lons: list) -> list[list[float]]:
    out: list[list[float]] = [[]]
    for lon in lons:
        if lon is None:
            out.append([])
        else:
            out[-1].append(lon)
    return out


def test_an_ordinary_route_is_one_arc_from_origin_to_destination():
    lons, lats, (_ax, _ay, angle) = route_arc(28.8, 41.0, 27.2, 38.3)  # Istanbul -> Izmir
    assert None not in lons and lons[0] == 28.8 and lats[-1] == 38.3
    # it bows to the left of travel (south-west: left is south-east) rather than a straight line
    assert max(abs(a - b) for a, b in itertools.pairwise(lons)) < 1.0
    assert 90 < abs(angle) <= 180  # heading south


def test_both_directions_are_two_arcs_side_by_side():
    _there, _, _ = route_arc(0.0, 0.0, 10.0, 0.0)
    _back, _, _ = route_arc(10.0, 0.0, 0.0, 0.0)
    _, lat_there, _ = route_arc(0.0, 0.0, 10.0, 0.0)
    _, lat_back, _ = route_arc(10.0, 0.0, 0.0, 0.0)
    assert lat_there[16] > 0 > lat_back[16]  # left of eastward is north, of westward south


def test_over_the_date_line_the_arc_takes_the_pacific_and_is_cut():
    lons, _, (ax, _, _) = route_arc(139.8, 35.6, -118.4, 33.9)  # Tokyo -> Los Angeles
    parts = pieces(lons)
    assert len(parts) == 2
    assert all(lon >= 139.8 for lon in parts[0]) and all(lon <= -118.4 for lon in parts[1])
    # no segment spans the map
    for part in parts:
        assert max(abs(a - b) for a, b in itertools.pairwise(part)) < 20
    assert ax > 139.8 or ax < -118.4


def test_close_airports_get_different_label_spots_in_any_order():
    places = {"IST": (41.26, 28.74), "SAW": (40.9, 29.31), "ADB": (38.29, 27.16),
              "JFK": (40.64, -73.78)}  # fmt: skip
    spots = label_spots(places)
    assert spots["IST"] != spots["SAW"]
    assert spots["JFK"] == LABEL_SPOTS[0]
    assert label_spots(dict(reversed(list(places.items())))) == spots
