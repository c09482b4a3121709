"""The audit log's retention: entries older than ``HOPPID_INTAKE_RETAIN_AUDIT_DAYS`` (five
years by default: docs/retention.md) are deleted by a daily pass. A person's erasure never
deletes their entries: they hold no contact details, and they are the account of the erasure."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from hoppid.intake.audit import trail
from hoppid.intake.context import Context


async def one_pass(ctx: Context, keep: timedelta, now: datetime) -> Mapping[str, int]:
    return {"audit_entries_deleted": await trail.purge(ctx, now - keep)}
