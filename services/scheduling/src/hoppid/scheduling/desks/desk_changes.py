"""An office admin renames a desk or removes it.

A removed desk is kept (retired: ``active`` false, ``removed_at``) so the seat bookings it had
keep their desk's name; it is no longer listed or booked. A desk with seat bookings still to
come (booked or checked in, today or later) is not removed: the answer is a 409 naming how many,
and the office cancels them first, one by one (each a ``seat.released`` event; notifications
sends the person no message for it today). Refusing is the simplest honest rule: nobody loses
a seat they were promised without someone at the office deciding it.

Removal marks the desk first and counts its bookings after; a booking being made at that
moment checks the desk again once it has won its halves (use_cases.book): so either the count
sees the booking (the removal is undone and refused) or the booking sees the removal (its
halves are released again and it tries the next desk).
"""

from __future__ import annotations

from hoppid.scheduling import context, model
from hoppid.scheduling.access import administers
from hoppid.scheduling.desks.forms import DeskForm
from hoppid.scheduling.desks.use_cases import Desks, Document
from hoppid.scheduling.ownership import NotOurs
from hoppid.shared.access import Staff
from hoppid.shared.problems import Conflict


class DeskInUse(Conflict):
    """The desk has seat bookings still to come: ``held`` of them."""

    def __init__(self, held: int) -> None:
        super().__init__(
            f"the desk has {held} seat booking(s) still to come; cancel them before removing it"
        )
        self.held = held


async def _admin(desks: Desks, staff: Staff, office_id: str) -> None:
    await context.office_for(desks.ctx, staff, office_id)
    if not administers(staff, office_id):
        raise PermissionError("only the office's admin changes desks")


async def change_desk(
    desks: Desks, staff: Staff, office_id: str, desk_id: str, form: DeskForm
) -> Document:
    """A new name for one of the office's desks (not a removed one)."""
    await _admin(desks, staff, office_id)
    changed = await desks.store.rename_desk(office_id, desk_id, form.name)
    if changed is None:
        raise NotOurs("desk_id", "no such desk at this office")
    return changed


async def remove_desk(desks: Desks, staff: Staff, office_id: str, desk_id: str) -> Document:
    """Retire the desk; DeskInUse (409) while it has seat bookings to come."""
    await _admin(desks, staff, office_id)
    now = desks.ctx.now()
    removed = await desks.store.retire_desk(office_id, desk_id, now)
    if removed is None:
        raise NotOurs("desk_id", "no such desk at this office")
    held = len(await desks.store.held_from(desk_id, model.oslo_day(now).isoformat()))
    if held:
        await desks.store.restore_desk(office_id, desk_id)
        raise DeskInUse(held)
    return removed
