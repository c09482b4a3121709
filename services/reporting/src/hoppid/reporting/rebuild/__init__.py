"""The rebuild of every read model from the topics' beginning into a fresh version
(``python -m hoppid.reporting.rebuild``): replay.py runs it, store.py is the Projecting store
that holds a bounded window in memory and writes it in bulk."""
