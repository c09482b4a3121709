"""intake's use cases: one function per command; each commits through the store with its events.

Handlers raise :class:`~hoppid.intake.model.RuleViolation` (422, naming the field),
:class:`NotFound` (404) or :class:`Conflict` (409); the API turns them into problems.
"""

from hoppid.intake.context import Conflict, NotFound
from hoppid.intake.handlers.cases import (
    add_note,
    assign_advisor,
    change_status,
    decide_application,
    edit_note,
    find_cases,
    make_introduction,
    open_case,
    record_application,
    register_company,
    search_cases,
)
from hoppid.intake.handlers.inquiries import submit_inquiry
from hoppid.intake.handlers.links import issue_requested_links, request_link
from hoppid.intake.handlers.offices import issue_key, revoke_key, save_office, seed_offices
from hoppid.intake.handlers.people import (
    correct_my_data,
    my_data,
    person_of_link,
    request_erasure,
    withdraw_consent,
)

__all__ = [
    "Conflict",
    "NotFound",
    "add_note",
    "assign_advisor",
    "change_status",
    "correct_my_data",
    "decide_application",
    "edit_note",
    "find_cases",
    "issue_key",
    "issue_requested_links",
    "make_introduction",
    "my_data",
    "open_case",
    "person_of_link",
    "record_application",
    "register_company",
    "request_erasure",
    "request_link",
    "revoke_key",
    "save_office",
    "search_cases",
    "seed_offices",
    "submit_inquiry",
    "withdraw_consent",
]
