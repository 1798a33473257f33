"""Use cases that tie the floors together: ingest, the analysis pipeline, audited actions, export.

The CLI and the dashboard call these; nothing below imports them.
"""
