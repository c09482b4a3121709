"""The office admin creates a course or programme on the staff pages (the JSON API's use case),
its sessions typed as Oslo days and times. A refused form is a 422 naming the field (a session's
on its row) with what was typed kept; a programme goes to the admin's own office only; an
advisor's account is refused."""

from typing import Any

from scheduling_pages_support import post_form, signed_in, site
from scheduling_support import OFFICE, Scheduling, bearer

__all__ = ["site"]  # the fixture, used by name


def programme_form(**changes: Any) -> dict[str, Any]:
    """A course of two Monday mornings in the autumn, as a browser posts it (rows 2-3 empty)."""
    fields: dict[str, Any] = {
        "kind": "course",
        "title": "Markedsføring for gründere",
        "partner_city": "",
        "capacity": "12",
        "minimum": "3",
        "session-0-day": "2031-09-15",
        "session-0-start": "09:00",
        "session-0-end": "12:00",
        "session-1-day": "2031-11-03",
        "session-1-start": "09:00",
        "session-1-end": "12:00",
        **{f"session-{i}-{part}": "" for i in (2, 3) for part in ("day", "start", "end")},
    }
    fields.update(changes)
    return fields


async def programmes_of(site: Scheduling, key: str, office: str = OFFICE) -> list[Any]:
    found = await site.client.get(f"/v1/offices/{office}/programmes", headers=bearer(key))
    return list(found.json())


async def test_an_office_admin_creates_a_course(site: Scheduling) -> None:
    key = await site.key()
    async with signed_in(site, key) as admin:
        listing = await admin.get("/pages/staff/programmes")
        assert 'href="/pages/staff/programmes/new"' in listing.text
        form = await admin.get("/pages/staff/programmes/new")
        assert form.status_code == 200 and 'name="session-3-day"' in form.text
        created = await post_form(admin, form, "/pages/staff/programmes", **programme_form())
        assert created.status_code == 303 and created.headers["location"].endswith("done=created")
        shown = await admin.get(created.headers["location"])
        assert "Kurset eller programmet er opprettet." in shown.text
        assert "Markedsføring for gründere" in shown.text

    (course,) = await programmes_of(site, key)
    assert course["capacity"] == 12 and course["minimum"] == 3 and course["kind"] == "course"
    # Oslo wall-clock time: summer time in September, winter time in November
    starts = [s["start"] for s in course["sessions"]]
    assert [s[:19] for s in starts] == ["2031-09-15T07:00:00", "2031-11-03T08:00:00"]


async def test_a_refused_programme_form_names_the_field_and_keeps_what_was_typed(
    site: Scheduling,
) -> None:
    key = await site.key()
    async with signed_in(site, key) as admin:
        form = await admin.get("/pages/staff/programmes/new")
        typed = programme_form(capacity="", **{"session-1-end": "08:00"})
        refused = await post_form(admin, form, "/pages/staff/programmes", **typed)
        assert refused.status_code == 422
        assert 'href="#field-capacity"' in refused.text and 'id="error-capacity"' in refused.text
        assert 'value="Markedsføring for gründere"' in refused.text
        # with the seats given, the use case's own rule names the session's row
        typed["capacity"] = "12"
        refused = await post_form(admin, form, "/pages/staff/programmes", **typed)
        assert refused.status_code == 422 and 'id="error-session-1-end"' in refused.text
        assert 'value="08:00"' in refused.text and 'value="2031-11-03"' in refused.text
        more = programme_form(minimum="20")
        refused = await post_form(admin, form, "/pages/staff/programmes", **more)
        assert refused.status_code == 422 and 'id="error-minimum"' in refused.text
        assert 'value="20"' in refused.text
        # 02:30 does not exist in Oslo the night the clocks go forward
        skipped = programme_form(**{"session-0-day": "2031-03-30", "session-0-start": "02:30"})
        refused = await post_form(admin, form, "/pages/staff/programmes", **skipped)
        assert refused.status_code == 422 and 'id="error-session-0-start"' in refused.text
        none = programme_form(
            **{f"session-{i}-{p}": "" for i in (0, 1) for p in ("day", "start", "end")}
        )
        refused = await post_form(admin, form, "/pages/staff/programmes", **none)
        assert refused.status_code == 422 and 'id="error-sessions"' in refused.text
    assert await programmes_of(site, key) == []  # nothing refused was stored


async def test_a_programme_is_the_admin_s_own_office_s_and_an_advisor_is_refused(
    site: Scheduling,
) -> None:
    key = await site.key()
    molde_key = await site.key(office="molde")
    async with signed_in(site, molde_key) as other:
        form = await other.get("/pages/staff/programmes/new")
        created = await post_form(other, form, "/pages/staff/programmes", **programme_form())
        assert created.status_code == 303
    assert len(await programmes_of(site, molde_key, "molde")) == 1
    assert await programmes_of(site, key) == []

    advisor_key = await site.key(role="advisor")
    async with signed_in(site, advisor_key) as colleague:
        listing = await colleague.get("/pages/staff/programmes")
        assert listing.status_code == 200 and "/pages/staff/programmes/new" not in listing.text
        assert (await colleague.get("/pages/staff/programmes/new")).status_code == 403
        posted = await post_form(colleague, listing, "/pages/staff/programmes", **programme_form())
        assert posted.status_code == 403
    assert await programmes_of(site, key) == []
