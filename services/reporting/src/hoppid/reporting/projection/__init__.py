"""The write side: what the figures' read models become as intake's and scheduling's events
arrive. handlers.py (one function per consumed event), the derive rules of a case
(cases.py), its meetings, programme enrolments and desk bookings, and the repository of one
version's read models (store.py: the Projecting protocol and its Mongo ProjectionStore;
memory.py: the same in dicts, for unit tests)."""
