"""The office admin changes the office's scheduling settings on the staff pages (the JSON
API's use case): opening hours, closed days, meeting lengths, the video room. A refused form is
a 422 naming the field with what was typed kept; the page is always the admin's own office;
an advisor's account is refused."""

from typing import Any

from scheduling_pages_support import post_form, signed_in, site
from scheduling_support import OFFICE, Scheduling, bearer

__all__ = ["site"]  # the fixture, used by name


def settings_form(**changes: Any) -> dict[str, Any]:
    """The settings form as a browser posts it: Monday and Thursday open, one row left empty."""
    fields: dict[str, Any] = {
        "opening-0-weekday": "0",
        "opening-0-opens": "09:00",
        "opening-0-closes": "15:00",
        "opening-1-weekday": "3",
        "opening-1-opens": "10:00",
        "opening-1-closes": "18:00",
        "opening-2-weekday": "0",
        "opening-2-opens": "",
        "opening-2-closes": "",
        "closed_days": "2031-12-27\n2031-12-28",
        "first_guidance_minutes": "45",
        "follow_up_minutes": "30",
        "buffer_minutes": "15",
        "minimum_notice_hours": "48",
        "video_link": "https://video.example/nordveggen",
        "join_link_pattern": "",
    }
    fields.update(changes)
    return fields


async def settings_of(site: Scheduling, key: str, office: str = OFFICE) -> dict[str, Any]:
    found = await site.client.get(f"/v1/offices/{office}", headers=bearer(key))
    return dict(found.json()["settings"])


async def test_an_office_admin_changes_the_office_s_settings(site: Scheduling) -> None:
    key = await site.key()
    async with signed_in(site, key) as admin:
        page = await admin.get("/pages/staff/office")
        assert page.status_code == 200 and 'href="/pages/staff/office"' in page.text
        assert 'value="08:00"' in page.text and 'value="60"' in page.text  # the defaults
        saved = await post_form(admin, page, "/pages/staff/office", **settings_form())
        assert saved.status_code == 303 and saved.headers["location"].endswith("done=saved")
        shown = await admin.get(saved.headers["location"])
        assert "Innstillingene er lagret." in shown.text and 'value="45"' in shown.text
        assert "2031-12-27\n2031-12-28" in shown.text

    settings = await settings_of(site, key)
    assert settings["opening_hours"] == [
        {"weekday": 0, "opens": "09:00:00", "closes": "15:00:00"},
        {"weekday": 3, "opens": "10:00:00", "closes": "18:00:00"},
    ]
    assert settings["closed_days"] == ["2031-12-27", "2031-12-28"]
    assert settings["first_guidance_minutes"] == 45 and settings["minimum_notice_hours"] == 48
    assert settings["video_link"] == "https://video.example/nordveggen"


async def test_a_refused_settings_form_names_the_field_and_keeps_what_was_typed(
    site: Scheduling,
) -> None:
    key = await site.key()
    async with signed_in(site, key) as admin:
        page = await admin.get("/pages/staff/office")
        bad_link = settings_form(video_link="http://plain.example", closed_days="2031-13-01")
        refused = await post_form(admin, page, "/pages/staff/office", **bad_link)
        assert refused.status_code == 422
        assert (
            'href="#field-video_link"' in refused.text and 'id="error-video_link"' in refused.text
        )
        assert 'value="http://plain.example"' in refused.text
        assert 'id="error-closed_days"' in refused.text and "2031-13-01" in refused.text
        rules = settings_form(buffer_minutes="20", **{"opening-1-closes": "09:30"})
        refused = await post_form(admin, page, "/pages/staff/office", **rules)
        assert refused.status_code == 422
        assert 'id="error-buffer_minutes"' in refused.text and "hele kvarter" in refused.text
        assert 'value="20"' in refused.text
        assert 'id="error-opening-1-closes"' in refused.text and 'value="09:30"' in refused.text
        emptied = await post_form(
            admin, page, "/pages/staff/office", **settings_form(first_guidance_minutes="")
        )
        assert emptied.status_code == 422 and 'id="error-first_guidance_minutes"' in emptied.text
    assert (await settings_of(site, key))["first_guidance_minutes"] == 60  # nothing stored


async def test_another_office_s_admin_changes_only_theirs_and_an_advisor_is_refused(
    site: Scheduling,
) -> None:
    key = await site.key()
    molde_key = await site.key(office="molde")
    async with signed_in(site, molde_key) as other:
        page = await other.get("/pages/staff/office")
        assert "Molde" in page.text and "Nordveggen" not in page.text
        saved = await post_form(other, page, "/pages/staff/office", **settings_form())
        assert saved.status_code == 303
    assert (await settings_of(site, molde_key, "molde"))["first_guidance_minutes"] == 45
    assert (await settings_of(site, key))["first_guidance_minutes"] == 60

    advisor_key = await site.key(role="advisor")
    async with signed_in(site, advisor_key) as colleague:
        calendar = await colleague.get("/pages/staff/calendar")
        assert 'href="/pages/staff/office"' not in calendar.text
        assert (await colleague.get("/pages/staff/office")).status_code == 403
        posted = await post_form(colleague, calendar, "/pages/staff/office", **settings_form())
        assert posted.status_code == 403
    assert (await settings_of(site, key))["first_guidance_minutes"] == 60
