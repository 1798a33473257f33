"""Entity resolution per script and per kind of name variant, against the generator's truth.

For each world: traveller → party links (a link to a second KYC record of the same person counts
as right) and party ``same_as`` links, scored overall, per native script of the person's
nationality (``engine.synth.names.SCRIPT_OF``; ``latin`` otherwise) and per kind of variant on
the travel record (the truth's noise kinds, plus ``cross_script``: the record and the person's
first KYC record are written in different scripts). Also counted: links to a namesake of the
true person, and links between records whose names share no token key
(:func:`engine.detect.names.name_tokens`, compounds included) or no romanised word at all, without
an equal document. The time is that of the two resolutions alone (records normalised, blocked,
compared), on 2 shared cores.
"""

from __future__ import annotations

import re
import time
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.harness import BenchContext, Measurement, case

_NON_LATIN = re.compile(r"[\u0370-\u03ff\u0400-\u04ff\u0600-\u06ff\u1200-\u137f]")


def _script_of_text(name: str | None) -> str:
    return "native" if name and _NON_LATIN.search(name) else "latin"


def _prf(ok: np.ndarray, found: int, linkable: int) -> dict[str, float]:
    return {
        "links": float(len(ok)),
        "precision": float(np.mean(ok)) if len(ok) else float("nan"),
        "recall": found / linkable if linkable else float("nan"),
        "linkable": float(linkable),
    }


def er_by_variant(world: Any) -> dict[str, Any]:
    """ER quality of one world, overall and per script and kind of variant, and its time."""
    from engine.detect import identity
    from engine.detect.frame import build_frame
    from engine.detect.names import name_tokens, romanise
    from engine.synth.names import SCRIPT_OF

    t = world.tables
    frame = build_frame(t["transactions"].slice(0, 0), t["accounts"], t["parties"],
                        t["holdings"], t["travel"])  # fmt: skip
    start = time.perf_counter()
    lt = identity.resolve_travellers(frame)
    mid = time.perf_counter()
    lp = identity.resolve_parties(frame)
    seconds = time.perf_counter() - start
    truth = {k: v.to_pandas() for k, v in world.truth.items()}
    parties = frame.parties.to_pandas()
    travel = frame.travel.to_pandas()
    pid = parties["party_id"].to_numpy(object)
    rid = travel["record_id"].to_numpy(object)
    same = dict(zip(truth["party_identities"]["party_id"],
                    truth["party_identities"]["same_person_as"], strict=False))  # fmt: skip
    person = np.array([same.get(p, p) for p in pid], object)
    ident = truth["identities"].set_index("record_id").reindex(rid)
    true_party = ident["party_id"].to_numpy(object)
    noise = ident["noise"].fillna("").to_numpy(object)
    name_of = dict(zip(pid, parties["name"], strict=True))
    nat_of = dict(zip(pid, parties["nationality"], strict=True))
    script = np.array([SCRIPT_OF.get(nat_of.get(p) or "", "latin") for p in true_party], object)
    rec_form = np.array([_script_of_text(n) for n in travel["traveller_name"]], object)
    kyc_form = np.array([_script_of_text(name_of.get(p)) for p in true_party], object)
    kinds = [set(filter(None, k.split(","))) | ({"cross_script"} if a != b else set())
             for k, a, b in zip(noise, rec_form, kyc_form, strict=True)]  # fmt: skip
    known = set(pid)
    linkable = np.array([p in known for p in true_party])
    right = person[lt.right] == true_party[lt.left]
    found = np.zeros(len(rid), bool)
    found[lt.left[right]] = True
    out: dict[str, Any] = {"seconds": seconds, "travellers_s": mid - start}
    out["overall"] = _prf(right, int((found & linkable).sum()), int(linkable.sum()))
    for s in sorted(set(script)):
        sel = script == s
        out[f"script/{s}"] = _prf(right[sel[lt.left]], int((found & linkable & sel).sum()),
                                  int((linkable & sel).sum()))  # fmt: skip
    for k in ("clean", "translit", "ascii", "typo", "swap", "script", "cross_script", "partial",
              "no_birth", "birth_swap"):  # fmt: skip
        sel = np.array([(not ks) if k == "clean" else (k in ks) for ks in kinds])
        out[f"variant/{k}"] = _prf(right[sel[lt.left]], int((found & linkable & sel).sum()),
                                   int((linkable & sel).sum()))  # fmt: skip
    sakes = truth.get("namesakes", pd.DataFrame({"party_id": [], "namesake_of": []}))
    pairs = set(zip(sakes["party_id"], sakes["namesake_of"], strict=True))
    pairs |= {(b, a) for a, b in pairs}
    to_namesake = [(person[r], true_party[lft]) in pairs
                   for lft, r in zip(lt.left, lt.right, strict=True)]  # fmt: skip
    has_sake = np.array([p in {a for a, _ in pairs} for p in true_party])
    out["namesakes"] = {
        "namesake_pairs": float(len(pairs) // 2),
        "links_to_namesake": float(sum(to_namesake)),
        **{f"with_namesake_{k}": v for k, v in
           _prf(right[has_sake[lt.left]], int((found & linkable & has_sake).sum()),
                int((linkable & has_sake).sum())).items()},
    }  # fmt: skip
    pdoc = np.asarray(identity.party_records(frame.parties).doc, object)
    tdoc = np.asarray(identity.traveller_records(frame.travel).doc, object)
    tnames, pnames = travel["traveller_name"].to_numpy(object), parties["name"].to_numpy(object)

    def shares(a: str, b: str) -> tuple[bool, bool]:
        x, y = name_tokens(a), name_tokens(b)
        kx = set(x.keys) | {k for k, _ in x.joined}
        ky = set(y.keys) | {k for k, _ in y.joined}
        words = set(romanise(a).split()) & set(romanise(b).split())
        return bool(set(x.keys) & ky or set(y.keys) & kx), bool(words)

    no_key = no_word = 0
    for lft, r in zip(lt.left.tolist(), lt.right.tolist(), strict=True):
        if tdoc[lft] and tdoc[lft] == pdoc[r]:
            continue
        key_ok, word_ok = shares(tnames[lft], pnames[r])
        no_key += not key_ok
        no_word += not word_ok
    out["no_shared_token"] = {"links_no_shared_key": float(no_key),
                              "links_no_shared_word": float(no_word)}  # fmt: skip
    dup_truth = set(truth["party_identities"]["party_id"])
    pright = person[lp.left] == person[lp.right]
    linked = set(pid[lp.left[pright]]) | set(pid[lp.right[pright]])
    out["parties_same_as"] = _prf(pright, len(linked & dup_truth), len(dup_truth))
    return out


@case("er", quick=True)
def er(ctx: BenchContext) -> list[Measurement]:
    """Entity resolution per script and variant kind: ``small`` and ``medium`` (``tiny`` when
    quick), plus ``large`` with ``--scale large``."""
    from engine.synth import generate

    out: list[Measurement] = []
    for scale in ctx.sizes(["tiny"], ["small", "medium"], ["large"]):
        world = generate(scale, ctx.seed)
        size = f"{world.tables['travel'].num_rows / 1e3:.0f}k travel records ({scale})"
        res = er_by_variant(world)
        out.append(Measurement("er", "moneytrail", size, res["seconds"],
                               {"travellers_s": res["travellers_s"]},
                               "traveller → party and party same_as resolution, 2 cores"))  # fmt: skip
        for key, metrics in res.items():
            if isinstance(metrics, dict):
                out.append(Measurement(f"er/{key}", "moneytrail", size, None,
                                       {k: float(v) for k, v in metrics.items()}))  # fmt: skip
        del world
    return out
