"""moneytrail engine: data model, stores, graph building, analysis pipeline and CLI."""
