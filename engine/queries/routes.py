"""Travel legs placed on a map."""

from __future__ import annotations

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
