"""Who may do what in scheduling.

Staff keys are the platform's (``hoppid.shared.access``: intake issues them, every service learns
them from intake's key events). A key of an office with role ``advisor`` or ``office_admin`` works
with that office's time; county and partner keys (office ``*``) read figures elsewhere and do
nothing here. ``HOPPID_SCHEDULING_ADMIN_KEY`` is scheduling's own platform admin.

Advisors' calendar feed links carry a random token; only its SHA-256 is stored (the token has
256 random bits, so the hash cannot be turned back into it).
"""

from __future__ import annotations

import hashlib
import secrets

from hoppid.shared.access import Staff

SCHEDULING_ROLES = frozenset({"advisor", "office_admin", "platform_admin"})


def works_at(staff: Staff, office_id: str) -> bool:
    """May this caller see and change the office's time (search, book, mark)?"""
    return staff.role in SCHEDULING_ROLES and staff.sees_office(office_id)


def administers(staff: Staff, office_id: str) -> bool:
    """May this caller change the office's settings and advisors?"""
    return staff.may_administer(office_id)


def as_office(office_id: str) -> Staff:
    """A person acting through their link acts with the office's rights (for their own case,
    meeting, enrolment or desk only: the use case checks it is theirs)."""
    return Staff(key_id="entrepreneur", office_id=office_id, role="advisor")


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)
