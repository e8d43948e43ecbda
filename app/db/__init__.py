"""Persistence: tables, the engine, and the queries. Nothing else touches SQL."""
