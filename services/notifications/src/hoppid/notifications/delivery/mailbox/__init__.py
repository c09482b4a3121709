"""The development mailbox of local runs: the SMTP server that keeps every message it receives
(``python -m hoppid.notifications.delivery.mailbox.devmail``), reading what it kept, and the
platform admin's JSON routes and pages over it."""
