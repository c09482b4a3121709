"""A projected event may carry a sealed field reporting does not need (a digital meeting's join
link on meeting.booked / rescheduled, sealed with the person's key): the live consumer unseals
it, the rebuild reads it as None; both count the meeting alike."""

import dataclasses
from typing import Any

from reporting_support import (
    Meetings,
    Reporting,
    Script,
    drained,
    produce,
    reporting_env,
    run_rebuild,
)

SEALED_LINK = {"sealed": "c2VhbGVkIGJ5IGEga2V5IG5vYm9keSBoYXM=", "person": "p-x"}


async def test_a_meeting_with_a_sealed_join_link_counts_live_and_in_a_rebuild(
    reporting: Reporting, unique: str
) -> None:
    s, m = Script(), Meetings()
    intake = [s.opened("case-j", "person-j", "nordveggen", "1539", "2026-03-02T09:00")]
    booked = m.booked("bj", "case-j", "nordveggen", "2026-03-05T09:00", "2026-03-02T10:00")
    data = {**booked.data, "mode": "digital", "join_url": SEALED_LINK, "sequence": 0}
    scheduling = [dataclasses.replace(booked, data=data)]
    await produce(reporting.scheduling_topic, scheduling)
    await produce(reporting.intake_topic, intake)
    await drained(reporting.prefix, reporting.scheduling_topic)
    await drained(reporting.prefix, reporting.intake_topic)

    async def figures() -> Any:
        [march] = await reporting.get("/v1/figures", period="2026-03")
        return (march["meetings_booked"], march["cases_with_first_meeting"])

    live = await figures()
    assert live == (1, 1)
    outcome = (await run_rebuild(reporting_env(reporting.prefix, unique)))["rebuilt"]
    assert outcome["skipped"] == 0
    assert await figures() == live
