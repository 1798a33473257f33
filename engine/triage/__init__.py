"""Learning from investigators' decisions: graph features, a gradient-boosted triage model,
and the combined rank of the investigator's queue (see docs/triage.md).

* :mod:`engine.triage.features`: the per-account feature table of a run;
* :mod:`engine.triage.model`: training on labelled accounts and scoring every account;
* :mod:`engine.triage.rank`: the one narrow interface to the rest of the analysis:
  :func:`engine.triage.rank.combine` takes the rule score per account and returns the
  combined risk, so the rule side (today's risk, or calibrated significance) can change
  without touching the model;
* :mod:`engine.triage.run`: what ``moneytrail analyze`` calls.
"""
