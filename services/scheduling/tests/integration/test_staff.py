"""Office staff: keys, office settings, advisors, the free-slot search and the advisor's feed."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from scheduling_support import ADMIN_KEY, OFFICE, Scheduling, advisor_form, bearer, working_day

from hoppid.scheduling.model import oslo_instant


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


async def test_platform_keys_of_one_office_do_nothing_at_another(scheduling: Scheduling) -> None:
    admin = await scheduling.key(OFFICE)
    molde = await scheduling.key("molde")
    advisor = await scheduling.advisor(admin)
    assert "feed_token_hash" not in advisor and advisor["feed_url"].startswith("http")

    listed = await scheduling.client.get(f"/v1/offices/{OFFICE}/advisors", headers=bearer(molde))
    assert listed.status_code == 403
    assert "Ola" not in listed.text
    day = working_day().isoformat()
    slots = await scheduling.client.get(
        f"/v1/offices/{OFFICE}/slots", params={"from": day, "to": day}, headers=bearer(molde)
    )
    assert slots.status_code == 403
    offices = await scheduling.client.get("/v1/offices", headers=bearer(molde))
    assert [o["id"] for o in offices.json()] == ["molde"]

    # an advisor key may search but not add advisors; no key or a revoked key is a 401
    advisor_key = await scheduling.key(OFFICE, role="advisor")
    refused = await scheduling.client.post(
        f"/v1/offices/{OFFICE}/advisors", json=advisor_form(), headers=bearer(advisor_key)
    )
    assert refused.status_code == 403
    assert (await scheduling.client.get("/v1/offices")).status_code == 401
    await scheduling.revoke(advisor_key)  # intake's revocation reaches scheduling
    # the county's read key (every office) does nothing with the offices' time
    county = await scheduling.key("*", role="county")
    assert (await scheduling.client.get("/v1/offices", headers=bearer(county))).json() == []
    as_county = await scheduling.client.get(
        f"/v1/offices/{OFFICE}/advisors", headers=bearer(county)
    )
    assert as_county.status_code == 403
    platform = await scheduling.client.get("/v1/offices", headers=bearer(ADMIN_KEY))
    assert {"nordveggen", "molde"} <= {o["id"] for o in platform.json()}


async def test_free_slots_follow_hours_filters_closed_days_and_absences(
    scheduling: Scheduling,
) -> None:
    admin = await scheduling.key()
    day = working_day()
    next_day = day + timedelta(days=1)
    while next_day.weekday() > 4:
        next_day += timedelta(days=1)
    ola = await scheduling.advisor(admin)
    kari = await scheduling.advisor(
        admin,
        name="Kari",
        email="kari@nordveggen.example",
        languages=["en"],
        topics=["export"],
        weekly_hours=[
            {"weekday": w, "start": "12:00", "end": "16:00", "place": "digital"} for w in range(5)
        ],
        absences=[{"first_day": next_day.isoformat(), "last_day": next_day.isoformat()}],
    )

    async def search(**params: Any) -> list[dict[str, Any]]:
        query = {"from": day.isoformat(), "to": day.isoformat(), "limit": 500, **params}
        response = await scheduling.client.get(
            f"/v1/offices/{OFFICE}/slots", params=query, headers=bearer(admin)
        )
        assert response.status_code == 200, response.text
        return list(response.json())

    everything = await search()
    assert utc(everything[0]["start"]) == oslo_instant(day, datetime.min.time().replace(hour=9))
    assert {s["advisor_id"] for s in everything} == {ola["id"], kari["id"]}
    assert {s["advisor_id"] for s in await search(language="en", topic="export")} == {kari["id"]}
    assert {s["advisor_id"] for s in await search(mode="in_person")} == {ola["id"]}
    assert {s["advisor_id"] for s in await search(advisor=kari["id"])} == {kari["id"]}
    follow_up = await search(meeting_type="follow_up", advisor=ola["id"])
    assert all(utc(s["end"]) - utc(s["start"]) == timedelta(minutes=30) for s in follow_up)
    on_next = await search(**{"from": next_day.isoformat(), "to": next_day.isoformat()})
    assert {s["advisor_id"] for s in on_next} == {ola["id"]}  # Kari is away

    settings = await scheduling.client.put(
        f"/v1/offices/{OFFICE}/settings",
        json={"closed_days": [day.isoformat()], "video_link": "https://video.example/nv"},
        headers=bearer(admin),
    )
    assert settings.status_code == 200, settings.text
    assert await search() == []


async def test_bad_input_is_a_problem_naming_the_field(scheduling: Scheduling) -> None:
    admin = await scheduling.key()
    bad_hours = await scheduling.client.post(
        f"/v1/offices/{OFFICE}/advisors",
        json={
            "name": "X",
            "email": "not-an-email",
            "languages": ["nb"],
            "weekly_hours": [{"weekday": 9, "start": "09:00", "end": "10:00", "place": "office"}],
        },
        headers=bearer(admin),
    )
    assert bad_hours.status_code == 422
    assert bad_hours.headers["content-type"] == "application/problem+json"
    assert {e["field"] for e in bad_hours.json()["errors"]} == {"email", "weekly_hours.0.weekday"}

    backwards = await scheduling.client.post(
        f"/v1/offices/{OFFICE}/advisors",
        json={
            "name": "X",
            "email": "x@example.no",
            "languages": ["nb"],
            "weekly_hours": [{"weekday": 0, "start": "15:00", "end": "09:00", "place": "office"}],
        },
        headers=bearer(admin),
    )
    assert backwards.status_code == 422
    assert backwards.json()["errors"][0]["field"] == "weekly_hours"

    odd = await scheduling.client.put(
        f"/v1/offices/{OFFICE}/settings", json={"buffer_minutes": 10}, headers=bearer(admin)
    )
    assert odd.json()["errors"][0]["field"] == "buffer_minutes"
    day = working_day().isoformat()
    for params, field in [
        ({"from": day, "to": "2020-01-01"}, "to"),
        ({"from": "someday", "to": day}, "from"),
        ({"from": day, "to": day, "mode": "telepathy"}, "mode"),
    ]:
        response = await scheduling.client.get(
            f"/v1/offices/{OFFICE}/slots", params=params, headers=bearer(admin)
        )
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == field
    booking = await scheduling.client.post(
        f"/v1/offices/{OFFICE}/bookings",
        json={"case_id": "c", "person_id": "p", "start": "2026-12-02T09:00", "mode": "digital"},
        headers=bearer(admin),
    )
    assert booking.status_code == 422
    assert booking.json()["errors"][0]["field"] == "start"  # a time without its offset


async def test_an_advisor_s_private_feed(scheduling: Scheduling) -> None:
    admin = await scheduling.key()
    advisor = await scheduling.advisor(admin)
    feed_path = httpx.URL(advisor["feed_url"]).path
    empty = await scheduling.client.get(feed_path)
    assert empty.status_code == 200
    assert empty.headers["content-type"].startswith("text/calendar")
    assert "BEGIN:VCALENDAR\r\n" in empty.text and "VEVENT" not in empty.text

    renewed = await scheduling.client.post(
        f"/v1/offices/{OFFICE}/advisors/{advisor['id']}/feed", headers=bearer(admin)
    )
    assert (await scheduling.client.get(feed_path)).status_code == 404  # the old link ends
    new_path = httpx.URL(renewed.json()["feed_url"]).path
    assert (await scheduling.client.get(new_path)).status_code == 200
    assert (await scheduling.client.get("/v1/calendars/guessed.ics")).status_code == 404


async def test_out_of_range_dates_and_windows_are_a_422_naming_the_field(
    scheduling: Scheduling,
) -> None:
    admin = await scheduling.key(OFFICE)
    day = working_day()
    later = (day + timedelta(days=200)).isoformat()
    for path, query, field in [
        ("bookings", {"from": "0001-01-01", "to": "9999-12-31"}, "from"),  # was a 500
        ("bookings", {"from": day.isoformat(), "to": "9999-12-31"}, "to"),
        ("bookings", {"from": later, "to": day.isoformat()}, "to"),  # backwards
        ("slots", {"from": day.isoformat(), "to": later}, "to"),  # 200 days of slots
        ("seat-bookings", {"day": "9999-12-31"}, "day"),
    ]:
        answer = await scheduling.client.get(
            f"/v1/offices/{OFFICE}/{path}", params=query, headers=bearer(admin)
        )
        assert answer.status_code == 422, (path, query, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert field in [e["field"] for e in answer.json()["errors"]]
