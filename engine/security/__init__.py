"""Who may do what and what they did: sign-in, pseudonyms for exports, the audit chain and its
file and Neo4j backends. Sits above the store, below services.
"""
