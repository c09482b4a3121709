"""The gauge behind the HoppidDeliveriesStuckSending alert (deploy/prometheus/alerts.yml) moves:
a delivery left `sending` for over ten minutes (a crash between claim and record; see
test_faults.py) is counted by the poller, and no longer once an operator has settled it."""

import re
from datetime import UTC, datetime
from typing import Any

import httpx

from hoppid.shared.testing import ServiceProcess, eventually

GAUGE = "hoppid_notifications_deliveries_stuck_sending"
# long before any run of this test (a fixed time: tests never read the clock)
CLAIMED_AT = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


async def stuck(service: ServiceProcess) -> float:
    async with httpx.AsyncClient(timeout=10) as client:
        text = (await client.get(service.metrics_url)).text
    match = re.search(rf"^{GAUGE} (\S+)$", text, re.M)
    assert match is not None, f"{GAUGE} is not on /metrics"
    return float(match.group(1))


async def test_a_delivery_left_sending_is_counted_until_settled(
    notifications: ServiceProcess, database: Any
) -> None:
    assert await stuck(notifications) == 0
    deliveries = database["deliveries"]
    left = {
        "channel": "email",
        "message": "inquiry_receipt",
        "recipient_kind": "person",
        "office_id": "nordveggen",
        "attempts": 0,
        "status": "sending",
        "scheduled_for": CLAIMED_AT,
        "created_at": CLAIMED_AT,
        "updated_at": CLAIMED_AT,
    }
    await deliveries.insert_many([{"_id": f"stuck-{n}", **left} for n in range(2)])

    async def counted(expected: float) -> bool:
        return await stuck(notifications) == expected

    await eventually(lambda: counted(2), what="two stuck deliveries counted")
    # the operator settles them one by one (docs/operations.md)
    await deliveries.update_one(
        {"_id": "stuck-0", "status": "sending"},
        {"$set": {"status": "failed", "reason": "unknown_outcome"}},
    )
    await eventually(lambda: counted(1), what="one left")
    await deliveries.update_one(
        {"_id": "stuck-1", "status": "sending"}, {"$set": {"status": "suppressed"}}
    )
    await eventually(lambda: counted(0), what="none left")
