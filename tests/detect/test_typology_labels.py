"""Every registered typology has a human name and a one-line reason, and nothing else does."""

from __future__ import annotations

from engine.detect.typologies import DESCRIPTIONS, TYPOLOGIES


def test_every_typology_has_a_label_and_a_reason():
    assert set(DESCRIPTIONS) == {t.name for t in TYPOLOGIES}
    for spec in TYPOLOGIES:
        assert spec.label and "_" not in spec.label, spec.name
        assert spec.reason.endswith(".") and "\n" not in spec.reason, spec.name
    assert len({t.label for t in TYPOLOGIES}) == len(TYPOLOGIES)
