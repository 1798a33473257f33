"""The bottom floor of the engine: the canonical schema, the error tree and configuration.

Everything else in the project may import this package; it imports nothing of the project.
"""
