"""Hardened, streaming XML reading shared by the goAML and ISO 20022 loaders.

Defences, in layers:

1. A file with a ``<!DOCTYPE`` (where entity declarations live: billion laughs, external
   entities pointing at ``file:///etc/passwd`` or a URL) is refused before parsing. goAML and
   ISO 20022 documents never need one.
2. lxml's ``iterparse`` runs with ``resolve_entities=False``, ``no_network=True``,
   ``load_dtd=False`` and ``huge_tree=False`` (libxml2's limits on text size and nesting depth
   stay on), so even a DOCTYPE that slipped through could not expand or fetch anything.
3. Elements are cleared as soon as they are consumed, so memory stays flat on large files.

Any XML syntax error ends the read with one :class:`engine.core.errors.InputError` naming the file,
the element index and the line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from lxml import etree

from engine.core.errors import InputError
from loaders.base import Progress

PROLOG_BYTES = 1 << 16
_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.I)
_ROOT_START = re.compile(rb"<[A-Za-z_]")
_SPACE = re.compile(rb"\s*")


#: Longest prolog (declaration, comments, processing instructions before the root element)
#: read when looking for a DOCTYPE; a longer one is refused.
MAX_PROLOG_BYTES = 16 << 20
_PROLOG_ENDS = ((b"<?", b"?>"), (b"<!--", b"-->"))


def check_prolog(path: Path, name: str) -> None:
    """Refuse files whose prolog declares a DOCTYPE or entities (see the module docstring).

    The prolog is scanned item by item (declaration, comments, processing instructions) up
    to the root element, however long its comments: a regular expression over a fixed first
    block let a 70 KB comment hide a DOCTYPE behind it.
    """
    with open(path, "rb") as handle:
        buffer = handle.read(PROLOG_BYTES)
        if not buffer.strip():
            raise InputError("the file is empty", file=name)
        at = 3 if buffer.startswith(b"\xef\xbb\xbf") else 0
        while True:
            at = _SPACE.match(buffer, at).end()  # type: ignore[union-attr]
            if len(buffer) - at < 16 and len(buffer) < MAX_PROLOG_BYTES:
                more = handle.read(PROLOG_BYTES)
                if more:
                    buffer += more
                    continue
            head = buffer[at : at + 9]
            if _DOCTYPE.match(head):
                raise InputError(
                    "XML with a DOCTYPE or entity declarations is refused (entity expansion "
                    "and external entities are a known attack; goAML and ISO 20022 files "
                    "never need them)",
                    file=name,
                )
            if _ROOT_START.match(head):
                return
            ends = [end for start, end in _PROLOG_ENDS if head.startswith(start)]
            if not ends:
                where = "the prolog" if at else "the start"
                raise InputError(f"no XML element after {where} of the file", file=name)
            close = buffer.find(ends[0], at + 2)
            while close < 0:
                if len(buffer) >= MAX_PROLOG_BYTES:
                    raise InputError(
                        f"an XML prolog longer than {MAX_PROLOG_BYTES >> 20} MiB", file=name
                    )
                more = handle.read(PROLOG_BYTES)
                if not more:
                    raise InputError("an XML comment or declaration that never ends", file=name)
                buffer += more
                close = buffer.find(ends[0], at + 2)
            at = close + len(ends[0])


_SCAN_BYTES = 4 << 20


def mentions(path: Path, needle: bytes, name: str) -> bool:
    """Whether the bytes ``needle`` occur anywhere in the file (read in blocks, flat memory).

    A stream has to say which tables and which batch kind it carries before its rows are
    parsed; this scan, at memory speed, answers such questions (does a goAML report carry
    travel?) without a second parse.
    """
    keep = len(needle) - 1
    tail = b""
    try:
        with open(path, "rb") as handle:
            while block := handle.read(_SCAN_BYTES):
                if needle in tail + block[: keep * 2] or needle in block:
                    return True
                tail = block[-keep:] if keep else b""
    except OSError as exc:
        raise InputError(f"cannot read: {exc}", file=name) from exc
    return False


class _Counting:
    """A file wrapper that reports progress as lxml reads it."""

    def __init__(self, handle: IO[bytes], total: int, progress: Progress | None) -> None:
        self.handle = handle
        self.total = total
        self.progress = progress
        self.done = 0
        self._next = 0

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.done += len(data)
        if self.progress is not None and (self.done >= self._next or not data):
            self.progress(min(self.done, self.total), self.total)
            self._next = self.done + (4 << 20)
        return data


def local(tag: object) -> str:
    """Element name without its namespace (``{urn:...}Ntry`` → ``Ntry``)."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def iter_elements(
    path: Path, name: str, tags: set[str], progress: Progress | None = None
) -> Iterator[tuple[int, etree._Element]]:
    """Yield ``(index, element)`` for each completed element whose local name is in ``tags``.

    ``index`` counts yielded elements from 1. The element (and everything before it) is
    cleared when the caller asks for the next one, so read what you need before that.

    Raises
    ------
    InputError
        On an XML syntax error, a DOCTYPE, or an unreadable file.
    """
    check_prolog(path, name)
    total = path.stat().st_size
    index = 0
    try:
        with open(path, "rb") as handle:
            source = _Counting(handle, total, progress)
            events = etree.iterparse(
                source,
                events=("end",),
                tag=[f"{{*}}{t}" for t in sorted(tags)],
                resolve_entities=False,
                no_network=True,
                load_dtd=False,
                dtd_validation=False,
                huge_tree=False,
                remove_comments=True,
                remove_pis=True,
            )
            for _, element in events:
                index += 1
                yield index, element
                element.clear()
                parent = element.getparent()
                while parent is not None and element.getprevious() is not None:
                    del parent[0]
    except etree.XMLSyntaxError as exc:
        line = getattr(exc, "lineno", None)
        where = f" (line {line})" if line else ""
        raise InputError(
            f"not well-formed XML{where}: {exc.msg}", file=name, row=index + 1
        ) from exc
    except OSError as exc:
        raise InputError(f"cannot read: {exc}", file=name) from exc


class Node:
    """A parsed element as plain Python: text, attributes and children by local name.

    Built once per record (:func:`tree`), so the many field look-ups a record needs are dict
    look-ups rather than tree searches. ``text`` is the element's own text with surrounding
    white space removed, None when that leaves nothing (every caller wants it so, and doing it
    once here is cheaper than at each look-up). ``kids`` maps each local name to the children
    of that name, ``texts`` to the ``text`` of the first of them, so a field is one C-level
    ``node.texts.get(name)``. ``attrib``, ``kids`` and ``texts`` of elements without
    attributes or children are one shared empty dict: treat all three as read-only.
    """

    __slots__ = ("attrib", "kids", "text", "texts")

    def __init__(
        self,
        text: str | None,
        attrib: dict[str, str],
        kids: dict[str, list[Node]],
        texts: dict[str, str | None],
    ):
        self.text = text
        self.attrib = attrib
        self.kids = kids
        self.texts = texts

    def get(self, name: str) -> str | None:
        """An attribute value (``Ccy`` of an ``Amt``)."""
        return self.attrib.get(name)


#: Most attributes one element may carry. goAML and ISO 20022 elements have a handful; lxml
#: copies attributes in time quadratic in their number (100k attributes took minutes).
MAX_ATTRIBUTES = 256
#: Distinct tags whose local names are remembered (a hostile file may invent millions).
_MAX_NAMES = 4096
_NAMES: dict[str, str] = {}
_EMPTY: dict = {}  # type: ignore[type-arg]  # shared by every leaf; never written to


def _local_name(tag: str) -> str:
    name = tag[tag.index("}") + 1 :] if tag[:1] == "{" else tag
    if len(_NAMES) < _MAX_NAMES:
        _NAMES[tag] = name
    return name


def tree(element: etree._Element, file: str | None = None, row: int | None = None) -> Node:
    """Convert ``element`` and its descendants into :class:`Node` objects (namespaces dropped).

    This runs for every element of every record, so it is written for speed: local names
    come from a small cache, leaves without attributes are built inline (no recursive call)
    and share one empty dict, and attributes are read with one ``keys()``/``values()`` pair
    (one pass each; ``attrib.items()`` is quadratic in lxml).

    Raises
    ------
    InputError
        If an element has more than :data:`MAX_ATTRIBUTES` attributes (``file`` and ``row``
        name where).
    """
    kids = texts = _EMPTY
    for item in element:
        tag = item.tag
        name = _NAMES.get(tag)  # type: ignore[call-overload]
        if name is None:
            if not isinstance(tag, str):  # comments, processing instructions, entities
                continue
            name = _local_name(tag)
        if len(item) or item.keys():  # children or attributes: the general case
            sub = tree(item, file, row)
        else:  # a leaf without attributes (most elements): no call
            value = item.text
            if value is not None:
                value = value.strip() or None
            sub = Node(value, _EMPTY, _EMPTY, _EMPTY)
        if kids is _EMPTY:
            kids = {name: [sub]}
            texts = {name: sub.text}
        else:
            same = kids.get(name)
            if same is None:
                kids[name] = [sub]
                texts[name] = sub.text
            else:
                same.append(sub)
    keys = element.keys()
    attrib = _EMPTY
    if keys:
        if len(keys) > MAX_ATTRIBUTES:
            raise InputError(
                f"an element <{local(element.tag)}> with {len(keys):,} attributes "
                f"(at most {MAX_ATTRIBUTES})",
                file=file,
                row=row,
            )
        attrib = dict(zip(keys, element.values(), strict=True))
    value = element.text
    if value is not None:
        value = value.strip() or None
    return Node(value, attrib, kids, texts)


def child(node: Node | None, *path: str) -> Node | None:
    """First descendant reached by local names ``path``, or None."""
    for step in path:
        if node is None:
            return None
        found = node.kids.get(step)
        node = found[0] if found else None
    return node


def text(node: Node | None, *path: str) -> str | None:
    """Text of the first descendant reached by local names ``path`` (None when absent/empty)."""
    for step in path[:-1]:  # child(), inlined: this runs for every field of every record
        if node is None:
            return None
        found = node.kids.get(step)
        node = found[0] if found else None
    return None if node is None else node.texts.get(path[-1])


def children(node: Node | None, name: str) -> list[Node]:
    """Direct children with local name ``name``."""
    if node is None:
        return []
    return node.kids.get(name, [])
