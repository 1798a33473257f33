"""Read services for the dashboard: overview figures, clusters, entities, search, paths, traces.

The dashboard never touches loaders, kernels or a database driver; it asks a :class:`Workbench`.
A workbench wraps one :class:`~engine.store.base.Store`, reads each table once and keeps it
(and the money graph) until :meth:`Workbench.refresh` is called after an upload or an analysis
run. Results are pandas frames and small dataclasses, so Streamlit can cache and show them.

Pictures stay usable around hubs: every neighbourhood is capped to the most relevant nodes
(:data:`MAX_NODES`) and the rest is folded into one aggregate node whose label says how many
accounts and how much money it stands for.

One module per page family: :mod:`.data` (tables, graph, labels), :mod:`.overview`,
:mod:`.networks`, :mod:`.clusters`, :mod:`.entities`, :mod:`.paths` and :mod:`.routes`;
:class:`Workbench` combines them.
"""

from __future__ import annotations

from engine.queries.clusters import ClusterQueries
from engine.queries.entities import EntityQueries
from engine.queries.models import (
    MAX_FLOWS,
    MAX_NODES,
    MAX_ROWS,
    PATH_COLUMNS,
    ClusterDetail,
    EntityDetail,
    Network,
)
from engine.queries.overview import OverviewQueries
from engine.queries.paths import PathQueries
from engine.queries.routes import RouteQueries, place_coordinates


class Workbench(OverviewQueries, ClusterQueries, EntityQueries, PathQueries, RouteQueries):
    """Cached read access to one store for the dashboard's pages.

    Parameters
    ----------
    store : Store
        Any backend; only the Store interface is used.
    """


__all__ = [
    "MAX_FLOWS",
    "MAX_NODES",
    "MAX_ROWS",
    "PATH_COLUMNS",
    "ClusterDetail",
    "EntityDetail",
    "Network",
    "Workbench",
    "place_coordinates",
]
