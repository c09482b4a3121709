"""scheduling: advisors' time, guidance meetings, programmes and office seats.

One package per feature (``meetings``, ``programmes``, ``desks``, ``advisors``, ``offices``), each
with its routes (``api``), use cases, reactions to events (``handlers``), store, forms and pages;
what they share stays here: the composition root (``main``), ``settings``, the Kafka wiring
(``consumers``), the use cases' ``context``, ``access``, ``ownership``, the shared rules
(``model``), form types (``forms``), JSON answers (``responses``), the one ``store`` object, and
what spans every feature (``erasure``, ``exports``, ``retention``); ``web`` holds the site's
wiring, templates and texts.
"""
