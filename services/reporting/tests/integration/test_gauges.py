"""Business gauges: this year's figures per office, labelled by office and nothing else, on the
metrics port Prometheus scrapes; the public port has no /metrics (issue 13)."""

from datetime import UTC, datetime

import httpx
import pytest
from reporting_support import Reporting, Script, drained, produce

from hoppid.shared.testing import eventually

# its outcome could depend on the hour, weekday or DST: scripts/time_of_day.sh
pytestmark = pytest.mark.time_of_day


async def test_gauges_follow_the_figures_with_the_office_label_only(
    reporting: Reporting,
) -> None:
    s = Script()
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M")
    await produce(
        reporting.intake_topic,
        [
            s.opened("case-g1", "person-g", "molde", "1506", now),
            s.opened("case-g2", "person-g", "molde", "1506", now),
            s.introduction("case-g1", "molde", "intro-g", now, "mentor"),
        ],
    )
    await drained(reporting.prefix, reporting.intake_topic)

    async def scraped() -> str | None:
        async with httpx.AsyncClient(timeout=10) as client:
            text = (await client.get(reporting.service.metrics_url)).text
        return text if 'hoppid_reporting_inquiries_this_year{office="molde"} 2.0' in text else None

    text = await eventually(scraped, timeout=30, what="gauges")
    # the public port (the one the ingress serves) gives no office's figures to anyone
    public = await reporting.client.get("/metrics")
    assert public.status_code == 404
    assert public.headers["content-type"].startswith("application/problem+json")
    assert "hoppid_reporting_" not in public.text and "molde" not in public.text
    assert 'hoppid_reporting_people_served_this_year{office="molde"} 1.0' in text
    assert 'hoppid_reporting_introductions_this_year{office="molde"} 1.0' in text
    for line in text.splitlines():
        if line.startswith("hoppid_reporting_"):
            labels = line[line.index("{") + 1 : line.index("}")]
            assert labels.startswith('office="') and "," not in labels
