"""The typology registry: complete, consistent with the config and the generator's names."""

from dataclasses import fields
from pathlib import Path

import pytest

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


def test_every_generated_pattern_has_a_typology():
    """Every pattern the default generator plants maps to a registered pattern."""
    from engine.synth import generate

    planted = set(generate("tiny", 0).truth["patterns"].column("pattern").to_pylist())
    names = truth_names()
    registered = {t.name for t in TYPOLOGIES}
    missing = {p for p in planted if names.get(p, p) not in registered}
    assert not missing, missing


def test_docs_describe_every_typology():
    text = (Path(__file__).parents[2] / "docs" / "detection.md").read_text()
    assert [t.name for t in TYPOLOGIES if f"`{t.name}`" not in text] == []


def test_detect_reports_every_registered_pattern(world):
    from engine.detect.run import detect

    world.pay("a", "b", 100, day=0)
    det = detect(world.frame())
    assert [h.pattern for h in det.hits] == [t.name for t in TYPOLOGIES]
    for h in det.hits:
        assert h.source == typology(h.pattern).source_text
