"""The typology registry: complete, consistent with the config and the generator's names."""

from dataclasses import fields

import pytest

from benchmarks.cases.detection import PATTERN_MAP
from engine.detect.config import DetectionConfig
from engine.detect.typologies import FAMILIES, SOURCES, TYPOLOGIES, truth_names, typology


def test_every_spec_is_well_formed():
    names = [t.name for t in TYPOLOGIES]
    assert len(names) == len(set(names))
    config = [f.name for f in fields(DetectionConfig)]
    for t in TYPOLOGIES:
        assert t.family in FAMILIES, t.name
        assert t.source in SOURCES, t.name
        assert t.weight > 0, t.name
        assert callable(t.function()), t.name
        for prefix in t.config:
            assert any(c.startswith(prefix) for c in config), (t.name, prefix)


def test_missing_pattern_is_an_error():
    with pytest.raises(KeyError, match="no typology spec"):
        typology("not_a_pattern")


def test_truth_names_agree_with_the_benchmark_map():
    names = truth_names()
    for generated, detected in PATTERN_MAP.items():
        assert names.get(generated) == detected, generated


def test_detect_reports_every_registered_pattern(world):
    from engine.detect.run import detect

    world.pay("a", "b", 100, day=0)
    det = detect(world.frame())
    assert [h.pattern for h in det.hits] == [t.name for t in TYPOLOGIES]
    for h in det.hits:
        assert h.source == typology(h.pattern).source_text
