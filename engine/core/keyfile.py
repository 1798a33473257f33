"""Secret key files: created once, owner-only, refused when others can read them.

One implementation for every key moneytrail keeps on disk (the pseudonym key under the data
home, the audit trail's signing key outside it), so the rules are the same everywhere:

* created with ``O_CREAT | O_EXCL`` and mode 0600 (whatever the umask), in a folder created
  0700, filled with fresh random bytes and synced, so two processes starting together end up
  with one key, never two;
* a key file that the group or others may read is refused, as ssh refuses a readable private
  key: the key is only as secret as its file;
* a file just created by another process may still be empty for a moment: it is read again
  for a short while before being called invalid.

On the lowest floor (``engine.core``) because the loaders, which may not import
``engine.security``, key the party ids they derive with the pseudonym key
(:func:`pseudonym_key`).
"""

from __future__ import annotations

import os
import secrets
import stat
import time
from collections.abc import Callable
from pathlib import Path

from engine.core.config import Settings
from engine.core.errors import ConfigError

#: Where the pseudonym key lives under the data home when ``MONEYTRAIL_PSEUDONYM_KEY`` is unset.
PSEUDONYM_KEY_FILE = Path("secrets") / "pseudonym.key"
MIN_PSEUDONYM_KEY_LENGTH = 16


def secret_file(
    path: str | os.PathLike[str],
    *,
    what: str,
    valid: Callable[[str], bool],
    fresh: Callable[[], str] = lambda: secrets.token_hex(32),
) -> str:
    """The text of the key file ``path`` (stripped), created with ``fresh()`` if missing.

    Parameters
    ----------
    path:
        The key file; its folder is created 0700 if missing.
    what:
        What the key is, for messages (``the pseudonym key``).
    valid:
        Whether a text read from the file is a usable key.
    fresh:
        A new key's text (default 32 random bytes as hex).

    Raises
    ------
    ConfigError
        If the file is readable by others, cannot be created or read, or holds no valid key.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(fresh() + "\n")
                handle.flush()
                os.fsync(handle.fileno())
        if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise ConfigError(f"{path}: {what} is readable by others; chmod 600 it")
        for _ in range(50):  # another process may have created it and not yet filled it
            text = path.read_text(encoding="ascii").strip()
            if valid(text):
                return text
            time.sleep(0.01)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot use {what}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not {what} (not ASCII text)") from exc
    raise ConfigError(f"{path}: not {what} (too short or malformed)")


def pseudonym_key(
    settings: Settings | None = None, home: str | os.PathLike[str] | None = None
) -> bytes:
    """The pseudonymisation key: ``MONEYTRAIL_PSEUDONYM_KEY``, else the data home's key file.

    The HMAC key of export pseudonyms (:mod:`engine.security.pseudonymise`) and of the party
    ids loaders derive from names (``loaders.goaml``, ``loaders.iso20022``). The key file,
    ``<home>/secrets/pseudonym.key``, is made on first use (:func:`secret_file`).

    Raises
    ------
    ConfigError
        For a key shorter than 16 characters, or a key file others can read.
    """
    settings = settings or Settings.from_env(home=home)
    env = settings.pseudonym_key
    if env is not None:
        if len(env) < MIN_PSEUDONYM_KEY_LENGTH:
            raise ConfigError(
                "MONEYTRAIL_PSEUDONYM_KEY is too short: use at least "
                f"{MIN_PSEUDONYM_KEY_LENGTH} characters"
            )
        return env.encode()
    path = (Path(home) if home else settings.home) / PSEUDONYM_KEY_FILE
    text = secret_file(
        path, what="the pseudonym key", valid=lambda t: len(t) >= MIN_PSEUDONYM_KEY_LENGTH
    )
    return text.encode()
