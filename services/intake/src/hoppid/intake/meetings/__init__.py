"""The case's meetings, as intake learns them from scheduling's events (issue 14).

scheduling owns the bookings; intake keeps a projection of them (``case_meetings``: ids, times,
type, mode and status, no personal data) from scheduling's domain topic, in a consumer group of
its own (``case-meetings``), so the staff's case page and an advisor's "my day" show meetings
without reading scheduling's database:

- ``projection``: which guarded changes each meeting event makes (pure, no I/O);
- ``store``: the projection's collection, its indexes and its queries;
- ``consumer``: the consumer group that applies the events;
- ``my_day``: an advisor's meetings today and later this week and the applications due soon on
  their cases, for the "my cases" start page.
"""
