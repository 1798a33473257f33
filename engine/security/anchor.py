"""The audit trail's anchor: a signing key and signed checkpoints kept outside the store.

A hash chain shows that entries were edited, but whoever can write the log can also write a
new, consistent chain, delete it, or cut its tail and fix the head. The anchor closes that:

* Every entry is signed (Ed25519, via the ``cryptography`` library) with a key the data folder
  does not hold, so a forged entry — however well it chains — has no valid signature.
* After every append a *checkpoint* (the log's identity, the sequence number and hash of its
  last entry, a time) is signed and written to the anchor folder. ``verify`` refuses a log
  that is shorter than its checkpoint, or whose entry at that number has another hash: a
  deleted, emptied or truncated log no longer reads as "intact".

The anchor folder is ``MONEYTRAIL_AUDIT_ANCHOR`` (default ``~/.config/moneytrail/audit-anchor``,
created 0700; the key file inside is created 0600 on first use). Keep it outside the store and
back it up apart from it; an FIU that wants a stronger anchor puts it on another machine's
mount, or sets ``MONEYTRAIL_AUDIT_KEY`` (a hex Ed25519 seed from a secrets manager) and copies
the checkpoints somewhere append-only. Whoever verifies needs the same folder (or key).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

from filelock import FileLock

from engine.core.errors import ConfigError

KEY_FILE = "audit-signing.key"
CHECKPOINTS = "checkpoints"


def strict_json(text: str | bytes) -> Any:
    """``json.loads`` that refuses a repeated key in any object (a reader and a verifier must
    never see two different values for one field)."""

    def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                raise ValueError(f"duplicate key {key!r}")
            out[key] = value
        return out

    return json.loads(text, object_pairs_hook=unique)


class AuditAnchor:
    """Signs entries and keeps signed checkpoints for audit logs (see the module docstring).

    Parameters
    ----------
    folder:
        The anchor folder, outside the store.
    seed_hex:
        An Ed25519 private key as 64 hex characters (``MONEYTRAIL_AUDIT_KEY``); default: the
        key file in ``folder``, created on first use.

    Raises
    ------
    ConfigError
        For a malformed key, or a key file that others can read.
    """

    def __init__(self, folder: str | os.PathLike[str], seed_hex: str | None = None) -> None:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        self.folder = Path(folder)
        if seed_hex is not None:
            try:
                seed = bytes.fromhex(seed_hex.strip())
            except ValueError:
                seed = b""
            if len(seed) != 32:
                raise ConfigError("MONEYTRAIL_AUDIT_KEY must be 64 hex characters (32 bytes)")
        else:
            seed = self._key_file_seed()
        self._private = Ed25519PrivateKey.from_private_bytes(seed)
        self._public = self._private.public_key()

    def _key_file_seed(self) -> bytes:
        """The signing key's seed from ``folder``'s key file, made on first use (0600, refused
        when others can read it: :func:`engine.core.keyfile.secret_file`)."""
        from engine.core.keyfile import secret_file

        def hex_seed(text: str) -> bool:
            return len(text) == 64 and all(c in "0123456789abcdefABCDEF" for c in text)

        text = secret_file(
            self.folder / KEY_FILE,
            what="the audit signing key",
            valid=hex_seed,
            fresh=lambda: os.urandom(32).hex(),
        )
        return bytes.fromhex(text)

    # -- signatures ------------------------------------------------------------------------

    def sign(self, digest_hex: str) -> str:
        """The signature (hex) of an entry's hash."""
        return self._private.sign(bytes.fromhex(digest_hex)).hex()

    def valid(self, digest_hex: str, signature_hex: Any) -> bool:
        """Whether ``signature_hex`` is this key's signature of ``digest_hex``."""
        from cryptography.exceptions import InvalidSignature

        try:
            self._public.verify(bytes.fromhex(str(signature_hex)), bytes.fromhex(digest_hex))
        except (InvalidSignature, ValueError):
            return False
        return True

    # -- checkpoints -----------------------------------------------------------------------

    def _checkpoint_path(self, log: str) -> Path:
        return self.folder / CHECKPOINTS / (hashlib.sha256(log.encode()).hexdigest()[:32] + ".json")

    @staticmethod
    def _body(log: str, seq: int, digest: str) -> bytes:
        return json.dumps({"log": log, "seq": seq, "hash": digest}, sort_keys=True).encode()

    def checkpoint(self, log: str, seq: int, digest: str) -> None:
        """Sign and keep ``(log, seq, hash)`` unless a later checkpoint is kept already."""
        path = self._checkpoint_path(log)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with FileLock(str(path) + ".lock", timeout=60):
            current = self.last_checkpoint(log)
            if isinstance(current, dict) and current["seq"] >= seq:
                return
            body = self._body(log, seq, digest)
            record = {
                "log": log,
                "seq": seq,
                "hash": digest,
                "at": time.time(),
                "sig": self._private.sign(hashlib.sha256(body).digest()).hex(),
            }
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(record, handle, sort_keys=True)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)

    def last_checkpoint(self, log: str) -> dict[str, Any] | str | None:
        """The verified checkpoint of ``log``; ``None`` if there is none; a string saying what
        is wrong if it is unreadable or its signature does not hold."""
        from cryptography.exceptions import InvalidSignature

        path = self._checkpoint_path(log)
        try:
            record = strict_json(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            return f"the signed checkpoint {path} is unreadable: {exc}"
        try:
            body = self._body(str(record["log"]), int(record["seq"]), str(record["hash"]))
            self._public.verify(bytes.fromhex(record["sig"]), hashlib.sha256(body).digest())
        except (KeyError, TypeError, ValueError, InvalidSignature):
            return f"the signed checkpoint {path} does not carry this key's signature"
        if record["log"] != log:
            return f"the signed checkpoint {path} belongs to another log"
        return dict(record)
