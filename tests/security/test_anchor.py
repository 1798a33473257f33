"""The audit anchor: signed entries and signed checkpoints outside the store catch what a
hash chain alone cannot (a deleted, replaced, truncated or re-forged log), and strict JSON
refuses an entry with a repeated key."""

from __future__ import annotations

import json

import pytest

from engine.core.config import Settings
from engine.core.errors import ConfigError
from engine.security.anchor import AuditAnchor, strict_json
from engine.security.audit import AuditLog, open_audit_log
from engine.security.chain import seal
from engine.store.embedded import EmbeddedStore


@pytest.fixture
def store(tmp_path):
    with EmbeddedStore(tmp_path / "store") as opened:
        yield opened


def _log(store):
    return open_audit_log(store, settings=Settings.from_env())


def _filled(store, n=5):
    log = _log(store)
    for i in range(n):
        log.record("ana", "view_cluster", f"cluster:{i}")
    assert log.verify().ok
    return log


def test_entries_are_signed_and_verify(store):
    log = _filled(store)
    lines = [json.loads(x) for x in log.path.read_text().splitlines()]
    assert all(log.anchor.valid(e["hash"], e["sig"]) for e in lines)
    assert str(log.verify()).startswith("audit log intact: 5 entries")


def test_deleting_the_log_and_head_is_caught(store):
    log = _filled(store)
    log.path.unlink()
    log.head_path.unlink()
    result = _log(store).verify()
    assert not result.ok and "signed checkpoint says 5 entries" in result.reason


def test_truncation_with_a_fixed_head_is_caught(store):
    log = _filled(store)
    lines = log.path.read_text().splitlines(keepends=True)
    log.path.write_text("".join(lines[:3]))
    last = json.loads(lines[2])
    log.head_path.write_text(json.dumps({"seq": last["seq"], "hash": last["hash"]}))
    assert AuditLog(log.path).verify().ok  # the chain alone cannot tell
    result = _log(store).verify()
    assert not result.ok and "checkpoint" in result.reason


def test_a_forged_chain_with_a_matching_head_is_caught(store):
    log = _filled(store)
    forged, prev = [], "0" * 64
    for i in range(1, 6):  # a perfect new chain, with another key
        entry = seal({"user": "mallory", "action": "view_cluster", "target": "x", "details": {}},
                     i, prev, AuditAnchor(store.home / "not-the-key"))  # fmt: skip
        forged.append(json.dumps(entry, sort_keys=True) + "\n")
        prev = entry["hash"]
    log.path.write_text("".join(forged))
    log.head_path.write_text(json.dumps({"seq": 5, "hash": prev}))
    assert AuditLog(log.path).verify().ok
    result = _log(store).verify()
    assert not result.ok and result.first_bad == 1


def test_entries_forged_after_a_lagging_head_are_caught(store):
    log = _filled(store, 3)
    tail = json.loads(log.path.read_text().splitlines()[-1])
    extra = seal(
        {"user": "mallory", "action": "export", "target": "x", "details": {}}, 4, tail["hash"]
    )  # fmt: skip  (unsigned, chained correctly)
    with open(log.path, "a") as handle:
        handle.write(json.dumps(extra, sort_keys=True) + "\n")
    assert AuditLog(log.path).verify().ok  # a head may lag: the chain alone lets it pass
    result = _log(store).verify()
    assert not result.ok and "unsigned entry after signed ones" in result.reason


def test_a_duplicate_json_key_is_refused(store):
    log = _filled(store, 2)
    lines = log.path.read_text().splitlines()
    # a reader using the last value would see "mallory"; the hash covers "ana"
    lines[1] = lines[1][:-1] + ', "user": "mallory"}'
    log.path.write_text("\n".join(lines) + "\n")
    result = _log(store).verify()
    assert not result.ok and result.first_bad == 2 and "duplicate key" in result.reason
    with pytest.raises(ValueError, match="duplicate key"):
        strict_json('{"a": 1, "a": 2}')


def test_a_checkpoint_signed_with_another_key_is_refused(store, tmp_path, monkeypatch):
    _filled(store, 2)
    monkeypatch.setenv("MONEYTRAIL_AUDIT_KEY", "11" * 32)  # another key, same folder
    result = _log(store).verify()
    assert not result.ok and "signature" in result.reason


def test_the_key_file_is_private_and_a_bad_key_is_a_clear_error(tmp_path):
    anchor = AuditAnchor(tmp_path / "anchor")
    key = tmp_path / "anchor" / "audit-signing.key"
    assert key.stat().st_mode & 0o077 == 0
    key.chmod(0o644)
    with pytest.raises(ConfigError, match="readable by others"):
        AuditAnchor(tmp_path / "anchor")
    with pytest.raises(ConfigError, match="64 hex"):
        AuditAnchor(tmp_path / "x", seed_hex="not hex")
    assert anchor.valid(
        "ab" * 32, AuditAnchor(tmp_path / "y", seed_hex=anchor_seed(key)).sign("ab" * 32)
    )


def anchor_seed(path):
    return path.read_text().strip()
