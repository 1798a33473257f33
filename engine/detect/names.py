"""Personal names across scripts: romanisation, token keys and a frequency-aware comparison.

The people this tool is about are named in Arabic, Persian, Pashto, Ge'ez (Tigrinya, Amharic),
Cyrillic or Vietnamese, and the same person appears in another script or romanisation on a
manifest and on a bank's KYC record (Mohammed / Muhammad / محمد; Abd al-Rahman / Abdulrahman;
Tesfaye / ተስፋዬ). Three steps, each once per distinct value (cached):

1. :func:`romanise`: any script to lower-case ASCII words with ``anyascii`` (ISC licence), the
   Arabic article split off first (``الحسن`` → ``ال حسن``) so it can be dropped as a particle.
2. :func:`name_tokens`: one *key* per word: a consonant skeleton that folds the usual
   romanisation differences (vowels and doubled letters, ``kh``/``h``, ``ou``/``u``,
   ``c``/``k``/``q``, ``v``/``w``, ``z``/``d`` (ض ظ ذ), ``th``/``s``, a final ``h``), with
   particles (al-, el-, bin, ibn, ben, bint, ould) dropped, an attached article or ``ben``
   stripped (``Alhassan`` → ``hassan``, ``Benali`` → ``ali``) and ``abd``
   joined to the word it governs (``Abd al-Rahman`` → ``abdrahman``). Abjad scripts write no
   short vowels, so the skeleton is what a romanised and a native spelling share.
3. :func:`similarity`: token-set matching of two names (order ignored, so given/family swaps
   do not matter), with compound words matched split or joined (``Tesfa Mariam`` /
   ``Tesfamariam``), typos matched fuzzily, and every token weighted by how rare it is in
   *this* data (:class:`TokenStats`), so a name that transliterates to nothing, or whose only
   shared token is a very common one, never decides a match on its own.

Names keep their original script everywhere else (tables, display, export); only the
comparison sees the keys.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache

from rapidfuzz.distance import OSA, Indel

from engine.detect.frame import CACHE_SIZE, fold

#: Words that are not names: Arabic articles (free-standing after a hyphen or space) and the
#: patronymic links of Arabic, Somali and Maghrebi names.
PARTICLES = frozenset({"al", "el", "l", "ul", "bin", "ben", "ibn", "bn", "bint", "binti", "ould"})
#: A token of fewer than this many letters is not fuzzily matched (typos in ``Ali``
#: make another name).
FUZZY_MIN_LEN = 4
#: Similarity (optimal string alignment: an edit or a swap of two neighbours is one step) of two
#: romanised tokens that counts as one token with a typo.
FUZZY_MIN_SIMILARITY = 0.75
#: A token held by at least this share of the records (and at least :data:`COMMON_MIN_COUNT`)
#: is *common*: a match resting on one common token alone is capped at :data:`COMMON_CAP`.
COMMON_SHARE = 0.002
COMMON_MIN_COUNT = 10
COMMON_CAP = 0.5
#: The weight of an initial (``M.``): it tells little, and matches any word it begins.
INITIAL_WEIGHT = 1.0

_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_ARABIC_ARTICLE = re.compile(r"(?<!\w)ال(?=\w{2,})")
_ATTACHED_ARTICLE = re.compile(
    r"^(?:(?:al|el)(?=[a-z]{4})(?![eiou])|(?:ben|bin|ibn)(?=[aeiou][a-z]{2}))"
)
_SILENT_H = re.compile(r"(?<=[aeiou])h$")
_DIGRAPHS = (("sch", "s"), ("dj", "j"), ("kh", "h"), ("gh", "g"), ("ph", "f"), ("th", "s"),
             ("dh", "d"), ("sh", "s"), ("ch", "s"), ("ck", "k"), ("q", "k"), ("x", "ks"),
             ("v", "w"), ("z", "d"))  # fmt: skip
_SOFT_C = re.compile(r"c(?=[eiy])")
_INNER_VOWELS = re.compile(r"(?<=.)[aeiouyw]")
_LEADING_VOWEL = re.compile(r"^(?:[aeiou]+[yw]*)+")
_DOUBLES = re.compile(r"(.)\1+")


@lru_cache(maxsize=CACHE_SIZE)
def romanise(text: str | None) -> str:
    """``text`` in lower-case ASCII words, whatever its script (cached).

    ``'محمد الأحمد'`` → ``'mhmd l hmd'``; ``'Мухаммед Алиев'`` → ``'mukhammed aliev'``;
    ``'Nguyễn Văn Đức'`` → ``'nguyen van duc'``; ``'ተስፋዬ'`` → ``'tesfaye'``.
    """
    if not text:
        return ""
    if _ARABIC.search(text):
        text = _ARABIC_ARTICLE.sub("ال ", text).replace("ة", "")  # ta marbuta: -a, -ah, -e
    return fold(text)


@lru_cache(maxsize=CACHE_SIZE)
def token_key(token: str) -> str:
    """The key of one romanised word: a consonant skeleton (cached).

    ``mohammed``, ``muhammad``, ``mukhammed`` and the romanised Arabic ``mhmd`` → ``mhmd``;
    ``youssef``, ``yusuf``, ``youcef``, ``ywsf`` → ``ysf``; ``abdelrahman``, ``abderrahmane``,
    ``abdurrahman`` → ``bdrhmn``; ``fatimah``, ``ftmh`` → ``ftm``. A word of vowels only keeps
    its letters (``oo``); '' for a particle.
    """
    if not token or token in PARTICLES:
        return ""
    t = _ATTACHED_ARTICLE.sub("", token)
    t = _SILENT_H.sub("", t) if len(t) > 4 else t
    t = _SOFT_C.sub("s", t)
    for a, b in _DIGRAPHS:
        t = t.replace(a, b)
    t = t.replace("c", "k")
    t = _LEADING_VOWEL.sub("", t) or t  # an initial vowel is a hamza or ayn in Arabic script
    if len(t) > 2 and t[0] == "y" and t[1] not in "aeiouw":
        t = t[1:]  # a y carrying a vowel (Ayesha / عایشه)
    t = _DOUBLES.sub(r"\1", _INNER_VOWELS.sub("", t)) or _DOUBLES.sub(r"\1", token)
    if len(t) >= 2 and t.endswith("h"):
        t = t[:-1]  # ta marbuta, a final silent h: Fatimah / Fatima / فاطمة
    if len(t) >= 3 and t.endswith("t"):
        t = t[:-1] + "d"  # final devoicing: Ahmet / Ahmed, Mehmet / Mehmed
    if len(t) > 3 and t.startswith("bdl"):
        t = "bd" + t[3:]  # abd + article: Abdulrahman / Abd al-Rahman
    return t


def word_end(word: str, abjad: bool) -> str:
    """The class of a word's final vowel: ``i`` (i, y, ee), ``u`` (u, o, w), ``a`` (a, e, a
    silent h after them) or ``c`` (a consonant); for a word romanised from Arabic script, whose
    short vowels are not written, ``c`` means "a consonant or a short vowel" (``?``).

    It tells apart what the consonant skeleton folds together: Rahim / Rahimi,
    Haddad / Haddadi, Ahmad / Ahmadi.
    """
    w = word[:-1] if len(word) > 3 and word[-1] == "h" and word[-2] in "aeiou" else word
    if len(w) > 4 and w[-1] == "e" and w[-2] not in "aeiouy":
        return "e"  # a silent final e (Abderrahmane, Ousmane): a consonant or a short vowel
    last = w[-1:] or "c"
    cls = "i" if last in "iy" else "u" if last in "uow" else "a" if last in "ae" else "c"
    return "?" if abjad and cls == "c" else cls


def ends_match(x: str, y: str) -> bool:
    """Whether two word ends (:func:`word_end`) can be one name's: equal, or a consonant, a
    short ``a``, a silent ``e`` or an unwritten Arabic-script ending (``?``) against each other
    (Ibrahim / Ibrahima); a final ``i`` or ``u`` is a suffix of its own (Rahimi, Haddadi)."""
    return x == y or {x, y} <= {"a", "c", "e", "?"}


@dataclass(frozen=True)
class NameTokens:
    """A name as the comparison sees it: romanised words, their keys and word ends, in order;
    ``abjad`` when it was written in Arabic script (no short vowels)."""

    words: tuple[str, ...]
    keys: tuple[str, ...]
    ends: tuple[str, ...]
    abjad: bool = False

    @cached_property
    def joined(self) -> tuple[tuple[str, str], ...]:
        """(key, end) of adjacent word pairs written as one word, both orders (``tesfa
        mariam`` → ``tsfmrm``, ``mrmtsf``): how a compound split on one record is matched on
        another."""
        w, e = self.words, self.ends
        out = []
        for i in range(len(w) - 1):
            out.append((token_key(w[i] + w[i + 1]), e[i + 1]))
            out.append((token_key(w[i + 1] + w[i]), e[i]))
        return tuple(out)


@lru_cache(maxsize=CACHE_SIZE)
def name_tokens(name: str | None) -> NameTokens:
    """Words and keys of a name (cached); particles dropped, ``abd`` joined to the next word."""
    abjad = bool(name and _ARABIC.search(name))
    words = [w for w in romanise(name).split() if token_key(w) or (len(w) == 1 and not abjad)]
    out: list[str] = []
    i = 0
    while i < len(words):
        if token_key(words[i]) == "bd" and i + 1 < len(words):
            out.append(words[i] + words[i + 1])  # Abd Allah, Abd al-Rahman: one name
            i += 2
        else:
            out.append(words[i])
            i += 1
    return NameTokens(tuple(out), tuple(_word_key(w) for w in out),
                      tuple(word_end(w, abjad) for w in out), abjad)  # fmt: skip


def _alike(a: NameTokens, i: int, b: NameTokens, j: int) -> bool:
    """Words ``a[i]`` and ``b[j]`` (keys already equal) are one name: their ends match and,
    when both kept their vowels, the spellings are not wholly different (Indel similarity ≥
    0.5: Mohammed / Muhammad yes, Thomas / Smith no)."""
    if not ends_match(a.ends[i], b.ends[j]):
        return False
    return a.abjad or b.abjad or Indel.normalized_similarity(a.words[i], b.words[j]) >= 0.5


def _word_key(word: str) -> str:
    """:func:`token_key`, and ``m.`` for a single letter (an initial, never a particle)."""
    return f"{word}." if len(word) == 1 else token_key(word)


def name_key(name: str | None) -> str:
    """The sorted keys of a name joined by spaces: equal for one name in any order, script or
    common romanisation ('' when nothing is left)."""
    return " ".join(sorted(name_tokens(name).keys))


def last_key(name: str | None) -> str:
    """The key of the last word (the surname in KYC order), '' if none."""
    keys = name_tokens(name).keys
    return keys[-1] if keys else ""


class TokenStats:
    """How often each key occurs among the records being compared.

    The weight of a key is ``1 + log(n / count)``: a rare surname weighs more than
    ``Mohammed``. A key is *common* when at least :data:`COMMON_SHARE` of the records (and
    :data:`COMMON_MIN_COUNT`) hold it; frequencies come from this data, not from a list.
    """

    def __init__(self, names: Iterable[NameTokens], counts: Iterable[int]) -> None:
        df: Counter[str] = Counter()
        n = 0
        for t, c in zip(names, counts, strict=True):
            n += c
            for k in set(t.keys):
                df[k] += c
        self.n = max(n, 1)
        self.df = df
        self.common_count = max(COMMON_MIN_COUNT, COMMON_SHARE * self.n)
        self._w: dict[str, float] = {}
        #: token weights per name (``id`` → (name, weights)), filled by :func:`similarity`
        self.memo: dict[int, tuple[NameTokens, list[float]]] = {}

    def weight(self, key: str) -> float:
        w = self._w.get(key)
        if w is None:
            w = self._w[key] = 1.0 + math.log(self.n / max(self.df.get(key, 0), 1))
        return w

    def common(self, key: str) -> bool:
        return self.df.get(key, 0) >= self.common_count


def _weights(t: NameTokens, stats: TokenStats) -> list[float]:
    got = stats.memo.get(id(t))
    if got is None or got[0] is not t:
        w = [INITIAL_WEIGHT if len(x) == 1 else stats.weight(k)
             for x, k in zip(t.words, t.keys, strict=True)]  # fmt: skip
        got = stats.memo[id(t)] = (t, w)
    return got[1]


def similarity(a: NameTokens, b: NameTokens, stats: TokenStats) -> float:
    """How alike two names are, in 0..1 (0 when they share no key, exactly or as a compound).

    Notes
    -----
    Keys are matched exactly (as multisets), then a word of one name against two adjacent
    words of the other written as one (either order), then the rest fuzzily (romanised words of
    at least :data:`FUZZY_MIN_LEN` letters with OSA similarity ≥
    :data:`FUZZY_MIN_SIMILARITY`, at 0.8 of their weight), and single letters as initials of
    a word (weight :data:`INITIAL_WEIGHT`; the word counts 0.7 of its weight).
    With ``cov`` the matched share of a name's token weight, the score is
    ``0.75 max(cov_a, cov_b) + 0.25 min(cov_a, cov_b)``: a name with a word missing (a partial
    record) still scores high, an extra unmatched word on both sides does not. Fuzzy and initial
    matches alone never make a match, and a match resting on one common key and nothing else
    is capped at :data:`COMMON_CAP`. O(len(a) · len(b)).
    """
    if not a.keys or not b.keys:
        return 0.0
    wa = _weights(a, stats)
    wb = _weights(b, stats)
    free_a = list(range(len(a.keys)))
    free_b = list(range(len(b.keys)))
    got_a = got_b = 0.0
    anchors: list[str] = []  # keys matched exactly or as compounds
    for i in list(free_a):  # exact keys
        k = a.keys[i]
        for j in free_b:
            if b.keys[j] == k and _alike(a, i, b, j):
                free_a.remove(i)
                free_b.remove(j)
                got_a += wa[i]
                got_b += wb[j]
                anchors.append(k)
                break
    for x, y, wx, wy, fx, fy, to_a in ((a, b, wa, wb, free_a, free_b, True),
                                       (b, a, wb, wa, free_b, free_a, False)):  # fmt: skip
        joined = y.joined if len(fy) >= 2 else ()
        for i in list(fx):
            for p, (jk, je) in enumerate(joined):
                j0, j1 = p // 2, p // 2 + 1
                if jk == x.keys[i] and j0 in fy and j1 in fy and ends_match(x.ends[i], je):
                    fx.remove(i)
                    fy.remove(j0)
                    fy.remove(j1)
                    gx, gy = wx[i], wy[j0] + wy[j1]
                    got_a, got_b = (got_a + gx, got_b + gy) if to_a else (got_a + gy, got_b + gx)
                    anchors.append(jk)
                    break
    if not anchors:
        return 0.0
    fuzzy = False
    for i in list(free_a):  # typos and initials
        wi, best = a.words[i], None
        for j in free_b:
            wj = b.words[j]
            if len(wi) == 1 or len(wj) == 1:
                if wi[0] == wj[0] and len(wi) != len(wj):
                    best = (j, -1.0)
                    break
            elif min(len(wi), len(wj)) >= FUZZY_MIN_LEN and (
                OSA.normalized_similarity(wi, wj) >= FUZZY_MIN_SIMILARITY
            ):
                best = (j, 0.8)
                break
        if best is not None:
            j, f = best
            free_a.remove(i)
            free_b.remove(j)
            if f < 0:  # an initial: all of the initial, 0.7 of the word it abbreviates
                got_a += wa[i] if len(wi) == 1 else 0.7 * wa[i]
                got_b += wb[j] if len(b.words[j]) == 1 else 0.7 * wb[j]
            else:
                got_a += f * wa[i]
                got_b += f * wb[j]
            fuzzy = True
    ca, cb = got_a / sum(wa), got_b / sum(wb)
    score = 0.75 * max(ca, cb) + 0.25 * min(ca, cb)
    if len(anchors) == 1 and not fuzzy and stats.common(anchors[0]):
        score = min(score, COMMON_CAP)
    return min(score, 1.0)
