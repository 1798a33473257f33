"""Travel legs placed on a map: routes grouped, drawn as arcs cut at the date line, labels
placed so they do not overlap."""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.queries.data import WorkbenchData


class RouteQueries(WorkbenchData):
    """Trips grouped into map routes."""

    def routes(self, trips: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
        """Travel legs grouped by origin → destination with coordinates for the map.

        Returns the legs that could be placed and the place codes that could not.
        """
        columns = [
            "origin",
            "destination",
            "legs",
            "travellers",
            "o_lat",
            "o_lon",
            "d_lat",
            "d_lon",
        ]
        if trips.empty:
            return pd.DataFrame(columns=columns), []
        grouped = (
            trips.assign(name=trips["traveller_name"].fillna("?"))
            .groupby(["origin", "destination"], as_index=False)
            .agg(
                legs=("record_id", "count"),
                travellers=("name", lambda s: ", ".join(sorted(set(s)))),
            )
        )
        places = place_coordinates()
        missing = sorted(
            {c for c in pd.concat([grouped["origin"], grouped["destination"]]) if c not in places}
        )
        grouped = grouped[grouped["origin"].isin(places) & grouped["destination"].isin(places)]
        for end, column in (("o", "origin"), ("d", "destination")):
            grouped[f"{end}_lat"] = [places[c][0] for c in grouped[column]]
            grouped[f"{end}_lon"] = [places[c][1] for c in grouped[column]]
        return grouped[columns].reset_index(drop=True), missing


_PLACES: dict[str, tuple[float, float]] | None = None
_COUNTRIES: dict[str, str] | None = None


def place_countries() -> dict[str, str]:
    """ISO country per place code (IATA airports, plus the synthetic world's places), for
    the country filter on trips."""
    global _COUNTRIES
    if _COUNTRIES is None:
        import airportsdata

        countries = {code: a["country"] for code, a in airportsdata.load("IATA").items()}
        try:
            import csv
            from importlib import resources

            text = resources.files("engine.synth").joinpath("places.csv").read_text()
            for row in csv.DictReader(text.splitlines()):
                if row.get("country"):
                    countries[row["code"]] = row["country"]
        except (ModuleNotFoundError, FileNotFoundError, KeyError, ValueError):
            pass
        _COUNTRIES = countries
    return _COUNTRIES


def place_coordinates() -> dict[str, tuple[float, float]]:
    """Latitude and longitude per place code: IATA airports, plus the synthetic world's
    seaports and border crossings (UN/LOCODE-style codes) when that package is present."""
    global _PLACES
    if _PLACES is None:
        import airportsdata

        places = {code: (a["lat"], a["lon"]) for code, a in airportsdata.load("IATA").items()}
        try:
            import csv
            from importlib import resources

            text = resources.files("engine.synth").joinpath("places.csv").read_text()
            for row in csv.DictReader(text.splitlines()):
                places[row["code"]] = (float(row["lat"]), float(row["lon"]))
        except (ModuleNotFoundError, FileNotFoundError, KeyError, ValueError):
            pass
        _PLACES = places
    return _PLACES


#: Points along one drawn route.
ARC_POINTS = 33
#: How far a route bows out to its left, as a share of its length (so A → B and B → A are
#: two arcs side by side, not one line drawn twice).
BEND = 0.18


def route_arc(
    o_lon: float, o_lat: float, d_lon: float, d_lat: float, *, points: int = ARC_POINTS
) -> tuple[list[float | None], list[float | None], tuple[float, float, float]]:
    """The arc a route is drawn as on an equirectangular map, cut at the date line.

    The arc takes the short way round (a route from Tokyo to Los Angeles crosses the Pacific,
    not the whole map) and bows to the left of its direction. Where it crosses longitude ±180
    it is cut in two (a ``None`` between the pieces) and each piece is drawn on its own side.

    Returns
    -------
    lons, lats : list of float or None
        The points, ``None`` where the line is cut.
    arrow : (lon, lat, angle)
        Where to draw the direction arrow (55% along) and its angle in degrees clockwise from
        north, for plotly's ``marker.angle``.
    """
    if d_lon - o_lon > 180:
        d_lon -= 360
    elif d_lon - o_lon < -180:
        d_lon += 360
    start, end = np.array([o_lon, o_lat]), np.array([d_lon, d_lat])
    chord = end - start
    normal = np.array([-chord[1], chord[0]])  # to the left of the direction of travel
    control = (start + end) / 2 + BEND * normal
    t = np.linspace(0.0, 1.0, points)[:, None]
    curve = (1 - t) ** 2 * start + 2 * (1 - t) * t * control + t**2 * end
    lons: list[float | None] = []
    lats: list[float | None] = []
    previous = None
    for lon, lat in curve:
        wrapped = (lon + 180.0) % 360.0 - 180.0
        if previous is not None and abs(wrapped - previous) > 180:
            lons.append(None)
            lats.append(None)
        lons.append(round(float(wrapped), 4))
        lats.append(round(float(lat), 4))
        previous = wrapped
    s = 0.55
    point = (1 - s) ** 2 * start + 2 * (1 - s) * s * control + s**2 * end
    tangent = 2 * (1 - s) * (control - start) + 2 * s * (end - control)
    angle = float(np.degrees(np.arctan2(tangent[0], tangent[1])))
    arrow_lon = float((point[0] + 180.0) % 360.0 - 180.0)
    return lons, lats, (round(arrow_lon, 4), round(float(point[1]), 4), round(angle, 1))


#: Text positions tried in turn for airports close to one another.
LABEL_SPOTS = ("top center", "bottom center", "middle right", "middle left", "top right",
               "bottom left")  # fmt: skip


def label_spots(places: dict[str, tuple[float, float]], near: float = 4.0) -> dict[str, str]:
    """A text position per place (code → plotly ``textposition``), so that close labels do
    not overlap: each place is labelled once, and a place within ``near`` degrees of an
    already placed one takes the next free spot around its marker.

    ``places`` maps a code to (lat, lon); the result does not depend on its order (codes are
    placed west to east, then by code).
    """
    chosen: dict[str, str] = {}
    placed: list[tuple[float, float, str]] = []
    for code in sorted(places, key=lambda c: (places[c][1], places[c][0], c)):
        lat, lon = places[code]
        taken = {spot for la, lo, spot in placed if abs(la - lat) < near and abs(lo - lon) < near}
        spot = next((s for s in LABEL_SPOTS if s not in taken), LABEL_SPOTS[0])
        chosen[code] = spot
        placed.append((lat, lon, spot))
    return chosen
