"""The advisors' daily digest: the next day's meetings and the office's open cases.

It reads two copies notifications already keeps from events it consumes: meetings (the
``bookings`` record, with advisor, start, end, form and whether it was cancelled) and the
office's open cases (``cases``: id, office, reference, status; no personal data).

**Exactly once per advisor and day.** The digest of an Oslo day is a delivery whose causing
"event" is ``digest:<day>``; its id (hash of that, the channel and the advisor) is claimed by
insert before anything is sent, as every delivery is. A restart, a second pass or a second
instance finds the claim and sends nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from hoppid.notifications.composition import staff_messages
from hoppid.notifications.context import Context
from hoppid.notifications.copies import advisors
from hoppid.notifications.delivery.deliveries import deliver
from hoppid.notifications.model import OSLO, delivery_id


class Digests:
    """Sends the day's digests once the Oslo clock passes ``digest_at``.

    Run on every poll: an advisor added later in the day still gets theirs. What this process
    has seen done today is remembered, so a steady pass costs one query (the advisors)."""

    def __init__(self) -> None:
        self.day: date | None = None
        self.done: set[str] = set()  # advisor ids whose digest of ``day`` is claimed

    async def run(self, ctx: Context) -> int:
        local = ctx.now().astimezone(OSLO)
        if local.time() < ctx.settings.digest_at:
            return 0
        if self.day != local.date():
            self.day, self.done = local.date(), set()
        sent = 0
        for advisor in await advisors.active(ctx.store, ctx.vault):
            if advisor.id not in self.done:
                sent += await _digest(ctx, advisor, self.day)
                self.done.add(advisor.id)
        return sent


async def _digest(ctx: Context, advisor: advisors.Advisor, day: date) -> int:
    cause = staff_messages.digest_cause(day)
    if await ctx.store.delivery(delivery_id(cause, "email", "advisor", advisor.id)):
        ctx.metrics.digests.labels("claimed_before").inc()  # an earlier process sent it
        return 0
    start, end = _oslo_day_bounds(day + timedelta(days=1))
    meetings = await ctx.store.meetings_of_advisor(advisor.id, start, end)
    open_cases = await ctx.store.open_cases(advisor.office_id, staff_messages.MAX_OPEN_CASES)
    count = await ctx.store.count_open_cases(advisor.office_id)
    references = await ctx.store.case_references([m.get("case_id") for m in meetings])
    out = staff_messages.digest(advisor, day, meetings, references, open_cases, count)
    await deliver(ctx, out)  # claims it: a second instance racing here sends nothing
    ctx.metrics.digests.labels("claimed").inc()
    return 1


def _oslo_day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC instants where an Oslo day starts and the next one starts (23-25 h: DST)."""
    start = datetime.combine(day, time(0), tzinfo=OSLO)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=OSLO)
    return start.astimezone(UTC), end.astimezone(UTC)
