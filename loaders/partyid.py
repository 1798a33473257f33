"""Party ids derived from what a report says about a person or organisation, keyed.

goAML reports and ISO 20022 messages name their parties (name, birth date, identity document,
country) but give them no id, so the loaders derive one. A plain hash of those fields, as
before, can be reversed by anyone holding a list of names: hash every candidate and compare
(53 of 154 ids of a pseudonymised export were reversed that way, issue 17). The id is
therefore ``HMAC-SHA-256(key, fields)``, truncated to 64 bits, under the pseudonym key
(:func:`engine.core.keyfile.pseudonym_key`: ``MONEYTRAIL_PSEUDONYM_KEY`` or the data home's
0600 key file). The same person gets the same id in every batch loaded with the same key; without the key
the id cannot be recomputed.

Stores written before this keep their SHA-1 ids: there is no migration (the old ids cannot be
told from the new without the fields, and rewriting them would break case lineage and
decisions recorded against them). A party seen again after the change gets its keyed id, so
the same person may appear under both ids in such a store.
"""

from __future__ import annotations

import hashlib
import hmac


def resolve_key(key: bytes | None) -> bytes:
    """``key``, or the pseudonym key from the settings (environment or key file) if None."""
    if key is not None:
        return key
    from engine.core.keyfile import pseudonym_key

    return pseudonym_key()


def keyed_id(key: bytes, text: str) -> str:
    """16 hex characters: HMAC-SHA-256 of ``text`` (the normalised, joined fields) under ``key``."""
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()[:16]
