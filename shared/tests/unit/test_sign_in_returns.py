"""Where a staff sign-in returns to (hoppid.shared.web.returns): the page asked for, path and
query, and only ever a path on the service that asked; everything a browser could read as
another site falls back to the staff start page (no open redirect)."""

import pytest

from hoppid.shared.web.returns import DEFAULT, asked_for, safe_next, safe_service, sign_in_path


@pytest.mark.parametrize(
    "local",
    [
        "/pages/staff",
        "/pages/staff/cases/c-1?done=note",
        "/pages/staff/calendar?week=2026-W49&advisor=adv-1",
        "/pages/staff/cases?q=%C3%B8rsta%20as&mine=0",
        "/pages/staff/figures?from=2026-01-01#top",
    ],
)
def test_a_local_path_with_its_query_is_kept(local: str) -> None:
    assert safe_next(local) == local


@pytest.mark.parametrize(
    "away",
    [
        "//evil.example/pages/staff",  # another host to a browser
        "///evil.example",
        "/\\evil.example",  # a browser reads a backslash as a slash
        "\\\\evil.example",
        "/pages\\..\\/evil.example",
        "https://evil.example/pages/staff",  # a scheme
        "http:/evil.example",
        "javascript:alert(1)",
        "evil.example/pages",  # not a path from the root
        "pages/staff",
        "/pages/staff\r\nSet-Cookie: x=y",  # header splitting
        "/pages/staff\nLocation: //evil.example",
        "/\t/evil.example",  # a browser drops the tab: //evil.example
        "/ /evil.example",
        " /pages/staff",
        "/pages/staff/\x00",
        "/pages/ståff",  # not percent-encoded: not as a browser sends it
        "/" + "a" * 2000,  # too long for the state cookie
        "",
        None,
        42,
    ],
)
def test_anything_that_could_leave_the_service_lands_on_the_start_page(away: object) -> None:
    assert safe_next(away) == DEFAULT


def test_only_the_four_services_are_named() -> None:
    assert safe_service("scheduling") == "scheduling"
    for other in ("evil.example", "", None, "intake/", "INTAKE"):
        assert safe_service(other) == ""


def test_the_page_asked_for_is_quoted_and_keeps_its_query() -> None:
    assert asked_for("/pages/staff/calendar", "") == "/pages/staff/calendar"
    assert asked_for("/pages/staff/calendar", "week=2026-W49") == (
        "/pages/staff/calendar?week=2026-W49"
    )
    # Starlette hands the path over decoded; it goes back percent-encoded
    assert asked_for("/pages/staff/cases/ø 1", "") == "/pages/staff/cases/%C3%B8%201"
    assert asked_for("//evil.example", "") == DEFAULT


def test_the_sign_in_address_carries_the_page_encoded() -> None:
    assert sign_in_path("/pages/staff/calendar") == "/pages/sign-in?next=/pages/staff/calendar"
    assert sign_in_path("/pages/staff/cases?mine=0&status=new") == (
        "/pages/sign-in?next=/pages/staff/cases%3Fmine%3D0%26status%3Dnew"
    )
    assert sign_in_path(None) == "/pages/sign-in"
