"""Who may read what, from the platform's staff keys (hoppid.shared.access).

intake issues and revokes keys and publishes them (hash only); reporting accepts them through the
shared key ring (``hoppid.contracts.intake_keys``, fed by intake's key events) and turns the calling
:class:`Staff` into a :class:`Reader`:

- county and platform_admin (the admin key, ``HOPPID_REPORTING_COUNTY_KEY``): everything,
  with drill-down;
- partner: every office's figures, no drill-down (event ids are for those who run the offices);
- advisor and office_admin: their own office only, with drill-down.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from hoppid.shared.access import OFFICE_ROLES, Staff

Role = Literal["county", "office", "partner"]


@dataclass(frozen=True)
class Reader:
    key_id: str
    role: Role
    office_id: str | None = None  # only for the office role

    def office_filter(self, asked: str | None) -> str | None:
        """The office a query may cover: an office key sees its own office and nothing else."""
        if self.role != "office":
            return asked
        if asked and asked != self.office_id:
            raise PermissionError("this key reads its own office's figures only")
        return self.office_id

    @property
    def may_drill_down(self) -> bool:
        return self.role in ("county", "office")


def reader_of(staff: Staff) -> Reader:
    """The read role of a platform key."""
    if staff.role in ("county", "platform_admin"):
        return Reader(staff.key_id, "county")
    if staff.role == "partner":
        return Reader(staff.key_id, "partner")
    if staff.role in OFFICE_ROLES:
        return Reader(staff.key_id, "office", staff.office_id)
    raise PermissionError(f"the role {staff.role!r} reads no figures")
