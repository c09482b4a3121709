"""scheduling's use cases: one function per command or event; each commits through the store.

Handlers raise :class:`~hoppid.scheduling.model.RuleViolation` (422, naming the field),
:class:`NotFound` (404), :class:`Conflict` (409), :class:`SlotTaken` (409 with fresh slots) or
PermissionError (403); the API turns them into problems.

One module per job: ``common`` (the context and what every use case shares), ``slots`` (free
times), ``offices``, ``advisors``, ``booking`` (book and open a meeting), ``changes`` (move,
cancel, held / missed) and ``cases`` (intake's case events).
"""

from hoppid.scheduling.handlers.advisors import add_advisor, change_advisor, renew_feed
from hoppid.scheduling.handlers.booking import book, meeting_ids, open_booking, plan_fields
from hoppid.scheduling.handlers.cases import erase_person, offer_slots
from hoppid.scheduling.handlers.changes import cancel, mark, reschedule
from hoppid.scheduling.handlers.common import (
    BoundHandler,
    Conflict,
    Context,
    Document,
    EventHandler,
    NotFound,
    SlotTaken,
    check_owners,
    feed_url,
    main_municipality,
    office_envelope,
    office_for,
)
from hoppid.scheduling.handlers.offices import learn_office, save_office_settings, seed_offices
from hoppid.scheduling.handlers.slots import advisor_of, rules_of, search_slots, slot_out

__all__ = [
    "BoundHandler",
    "Conflict",
    "Context",
    "Document",
    "EventHandler",
    "NotFound",
    "SlotTaken",
    "add_advisor",
    "advisor_of",
    "book",
    "cancel",
    "change_advisor",
    "check_owners",
    "erase_person",
    "feed_url",
    "learn_office",
    "main_municipality",
    "mark",
    "meeting_ids",
    "offer_slots",
    "office_envelope",
    "office_for",
    "open_booking",
    "plan_fields",
    "renew_feed",
    "reschedule",
    "rules_of",
    "save_office_settings",
    "search_slots",
    "seed_offices",
    "slot_out",
]
