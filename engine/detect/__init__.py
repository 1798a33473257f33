"""Detection: typologies, travel links, entity resolution and ranked clusters with evidence.

Modules: ``config`` (thresholds), ``frame`` (tables → arrays), ``flows`` (patterns 1–10),
``cash`` (11, 13–15), ``smuggling`` (12, 16–23), ``travel`` (travel links), ``identity``
(entity resolution, shared identifiers), ``clusters`` (combined graph, communities, scores) and
``evidence`` (cards). Nothing heavy is imported here.
"""
