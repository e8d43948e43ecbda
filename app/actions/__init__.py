"""The only place that changes the database: check the rules, write, record the events.

Each write runs in one transaction that holds the workshop's row lock, appends its events to
the same transaction, and returns them so the caller publishes them after the commit.
"""
