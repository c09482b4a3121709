"""intake's audit trail (issue 14): who read a person's contact details or case, searched for a
person, exported, corrected or erased their data, when, and why.

Kept apart from the data. The trail is its own collection (``audit_log``), in intake's database
or, with ``HOPPID_INTAKE_AUDIT_DATABASE``, in a database of its own (its own access rights and
backups). Nothing that erases or scrubs a person touches it, so an erasure is itself on the
trail after it. It holds ids only: the case's id and reference, the person's id, the office,
the actor (a staff account's subject and name, an API key's id and label, the person through
their link, or the platform's own passes), the action, the channel, the time (``ctx.now``) and
the reason typed for an export. Never a name, email address or phone number of a person; a
reason that holds one is refused (422 on ``reason``), so no typed text brings one in.

Written before the act, and the act fails without it. A read is shown, an export handed out, a
correction or erasure made only after its entry is in the store; if the store refuses the entry,
the request fails (500) and nothing is shown or changed. The outbox pattern (the entry written
with the state change, moved to the trail later) would fit changes but not reads, which change
nothing, and would keep the entry inside the person's own data until it moved, where an erasure
could take it. So an entry says an act was allowed and begun: one that then fails (a conflict, a
crash) leaves its entry, and the trail may over-report, never under-report.

Kept ``HOPPID_INTAKE_RETAIN_AUDIT_DAYS`` (five years by default, docs/retention.md), then
deleted by a daily pass. Modules: ``trail`` (the entries and their writing), ``store`` (its
repository: the only place with the trail's Mongo operators), ``memory`` (the same in memory,
for fast tests), ``api`` (the JSON list), ``pages`` (the office admin's page), ``case_export``
(staff's export of a case, which takes a reason), ``retention`` (the purge).
"""
