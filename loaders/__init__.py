"""Loaders: turn the files an FIU receives into the canonical tables of :mod:`engine.core.schema`.

One module per input format; :func:`loaders.registry.load_file` detects the format and returns
accepted canonical tables plus a quarantine of rejected rows (file, row, field, value, reason).
Nothing here talks to a store. Kept free of imports so ``moneytrail --help`` stays fast.
"""
