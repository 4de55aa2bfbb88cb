"""Due process: authority orders with legal deadlines, user reports and trusted flaggers,
statements of reasons, appeals, and the DSA Transparency Database export.

Every workflow function takes a SQLAlchemy ``Connection`` inside ``store.transaction()`` and a
``now`` (so simulations and tests run on their own clock), changes state, and appends the ledger
entries that record the change in the same transaction.
"""
