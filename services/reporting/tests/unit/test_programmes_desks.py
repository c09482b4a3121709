"""Programmes and desks without I/O: every order of the facts gives the same contributions."""

from itertools import permutations
from typing import Any

from hoppid.reporting.projection.desks import derive_seat
from hoppid.reporting.projection.programmes import attendance, derive_enrolment


def seat(kind: str = "course", participants: int = 1, event: str = "e-seat") -> dict[str, Any]:
    return {
        "office": "molde",
        "kind": kind,
        "month": "2026-03",
        "participants": participants,
        "event": event,
    }


def test_an_enrolment_counts_its_seat_and_gives_it_back_when_cancelled_while_seated() -> None:
    assert derive_enrolment("p:e", {"cancelled": {"was": "enrolled", "event": "e-c"}}) == []
    facts = {
        "promoted": seat("school_programme", 20),
        "cancelled": {"was": "enrolled", "event": "e-c"},
    }
    [gained, given_back] = derive_enrolment("p:e", facts)
    assert (gained.id, gained.cell.id, dict(gained.inc)) == (
        "enrolment:p:e",
        "molde|0000|2026-03",
        {
            "programme_enrolments": 1,
            "programme_enrolments_school_programme": 1,
            "school_participants": 20,
        },
    )
    assert given_back.id == "enrolment_cancelled:p:e"
    assert dict(given_back.inc) == {name: -value for name, value in gained.inc.items()}
    assert given_back.events == ("e-seat", "e-c")
    waiting = {"cancelled": {"was": "waitlisted", "event": "e-c"}}
    assert derive_enrolment("p:w", waiting) == []


def test_attendance_of_a_class_counts_its_heads() -> None:
    came = attendance("p:k1", "s1", "molde", "school_programme", 22, "2026-03", "e-a")
    assert (came.id, dict(came.inc)) == (
        "attended:p:k1:s1",
        {
            "programme_attendances": 1,
            "programme_attendances_school_programme": 1,
            "school_participants_attended": 22,
        },
    )
    person = attendance("p:e1", "s1", "molde", "course", 1, "2026-03", "e-b")
    assert "school_participants_attended" not in person.inc


def _fact(name: str, **more: str) -> dict[str, Any]:
    return {"office": "molde", "month": "2026-03", "event": f"e-{name}", **more}


def _booked_total(facts_in_order: list[tuple[str, dict[str, Any]]]) -> dict[str, int]:
    """Apply facts one by one as the handler does: each contribution once, summed."""
    facts: dict[str, Any] = {}
    done: dict[str, dict[str, int]] = {}
    for name, value in facts_in_order:
        facts[name] = value
        for item in derive_seat("d", facts):
            done.setdefault(item.id, dict(item.inc))
    totals: dict[str, int] = {}
    for inc in done.values():
        for figure, value in inc.items():
            totals[figure] = totals.get(figure, 0) + value
    return totals


def test_desk_figures_do_not_depend_on_the_order() -> None:
    left_early = [
        ("booked", _fact("booked")),
        ("checked_in", _fact("checked_in")),
        ("released", _fact("released", reason="cancelled")),
    ]
    for order in permutations(left_early):
        assert _booked_total(list(order)) == {"desk_half_days_booked": 1, "desk_half_days_used": 1}
    never_used = [("booked", _fact("booked")), ("released", _fact("released", reason="cancelled"))]
    for order in permutations(never_used):
        assert _booked_total(list(order)) == {"desk_half_days_booked": 0}
    no_show = [("booked", _fact("booked")), ("released", _fact("released", reason="no_show"))]
    for order in permutations(no_show):
        assert _booked_total(list(order)) == {
            "desk_half_days_booked": 1,
            "desk_half_days_no_show": 1,
        }
