"""Every text of intake's pages exists in nynorsk and English, and every template renders in
every language with the context its route gives it, without a missing text.

A text missing in every language shows as its key in brackets (``[key]``, hoppid.shared.web's
i18n), and a text's placeholder the page does not fill raises: both fail here. Keys built at
render time (``status_`` ~ the status…) are covered by contexts that hold every value."""

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, get_args

import pytest
from starlette.requests import Request

from hoppid.intake.audit.trail import ACTIONS as AUDIT_ACTIONS
from hoppid.intake.cases import forms
from hoppid.intake.cases.case_page import NOTICES, day_shown, kroner
from hoppid.intake.dead_letters.pages import REPORT, TOPICS
from hoppid.intake.grants.staff_pages import NOTICES as GRANT_NOTICES
from hoppid.intake.inquiries.forms import InquiryForm
from hoppid.intake.meetings.my_day import MyDay
from hoppid.intake.meetings.projection import STATUSES as MEETING_STATUSES
from hoppid.intake.model import CONSENT_TEXT_VERSION, CONSENT_TEXTS, NEEDS, REASONS, STATUSES
from hoppid.intake.office_admin.access import Admin
from hoppid.intake.people.export_pages import SERVICE_NAMES, WORDS
from hoppid.intake.people.forms import WithdrawConsent
from hoppid.intake.people.person_pages import DONE
from hoppid.intake.person_export import ABOUT
from hoppid.intake.settings import IntakeSettings
from hoppid.intake.web import HERE, build_pages
from hoppid.shared.access import Staff
from hoppid.shared.web import Pages
from hoppid.shared.web.i18n import LANGUAGES

PAGES = build_pages(IntakeSettings(), None)
TEMPLATES = sorted(p.name for p in (HERE / "templates").glob("*.html"))
MISSING_TEXT = re.compile(r"\[([a-z][a-z0-9_]*)\]")
AT = datetime(2026, 11, 24, 13, 5, tzinfo=UTC)
ADVISOR = Staff("key-1", "nordveggen", "advisor", "advisor-1")
OUTCOMES = get_args(forms.DecideApplication.model_fields["outcome"].annotation)
KINDS = get_args(forms.MakeIntroduction.model_fields["kind"].annotation)
CONSENTS = get_args(WithdrawConsent.model_fields["consent"].annotation)
OFFICE = {
    "name": "Nordveggen",
    "contact_email": "post@nordveggen.no",
    "opening_hours": "09-15",
    "municipalities": ["1539"],
}
# the parts of the staff's case page (included by staff_case.html, rendered with it)
PARTS = sorted(t for t in TEMPLATES if t.startswith("case_"))
# other parts, rendered in the page that includes them (each is on two pages)
PART_OF = {
    "search_form.html": "staff_search.html",
    "cases_table.html": "staff_cases.html",
    "grant_programme_fields.html": "grant_programmes.html",
    "my_day.html": "staff_cases.html",
    "_office_admin_nav.html": "office_accounts.html",
    "_office_account_fields.html": "office_account.html",
}
Context = dict[str, Any]


def test_every_page_text_is_in_nynorsk_and_english() -> None:
    pages = build_pages(IntakeSettings(), None)
    assert pages.texts.missing("nn") == []
    assert pages.texts.missing("en") == []


def test_every_template_has_a_representative_context() -> None:
    assert sorted(CONTEXTS) == TEMPLATES, "add a context for each template to CONTEXTS below"
    source = (HERE / "templates" / "staff_case.html").read_text()
    for part in PARTS:
        assert f'{{% include "{part}" %}}' in source


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("template", TEMPLATES)
def test_every_template_renders_in_every_language(template: str, lang: str) -> None:
    page = "staff_case.html" if template in PARTS else PART_OF.get(template, template)
    for context in CONTEXTS.get(template, lambda: [])():
        html = rendered(PAGES, page, lang, context)
        assert f'<html lang="{lang}">' in html
        assert MISSING_TEXT.findall(html) == [], f"{template} ({lang}): texts missing"


def rendered(pages: Pages, template: str, lang: str, context: Context) -> str:
    """The page as its route renders it (Pages.render), for a GET with ``?lang=``."""
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/pages/x",
        "query_string": f"lang={lang}".encode(),
        "headers": [],
    }
    return bytes(pages.render(Request(scope), template, **context).body).decode()


def a_case(status: str = "new", **extra: Any) -> Context:
    """A case document as the store holds it, with every need, stage and mode shown."""
    return {
        "_id": f"case-{status}",
        "reference": "NV-2026-0001",
        "status": status,
        "office_id": "nordveggen",
        "municipality": "1539",
        "needs": list(NEEDS),
        "stage": "idea",
        "meeting_mode": "in_person",
        "language": "nn",
        "idea": "Kafé i sentrum\nmed bakeri",
        "created_at": AT,
        "history": [
            {"at": AT, "status": s, **({"reason": r} if r else {})}
            for s, r in zip(STATUSES, [None, *REASONS], strict=False)
        ],
        **extra,
    }


def errors_for(*fields: str) -> dict[str, str]:
    """Every field of a form refused, with the message key the routes give it."""
    return {field: f"error_{field}" for field in fields}


def inquiry() -> list[Context]:
    values = {
        "municipality": "1539",
        "name": "Kari",
        "email": "kari@example.org",
        "phone": "",
        "idea": "",
        "stage": "idea",
        "needs": ["guidance"],
        "meeting_mode": "digital",
        "language": "nn",
        "consent_processing": False,
        "consent_newsletter": True,
        "share_company_with_partners": False,
    }
    fields = [f for f in InquiryForm.model_fields if f != "consent_text_version"]
    common = {
        "values": values,
        "municipalities": [("1539", "Rauma (1539)")],
        "consent_text": CONSENT_TEXTS["nb"],
        "consent_version": CONSENT_TEXT_VERSION,
        "submission": "submission-1",
    }
    return [common, {**common, "errors": errors_for(*fields, "consent_text_version")}]


def me() -> list[Context]:
    person = {"name": "Kari", "email": "kari@example.org", "phone": None, "language": "nn"}
    common = {
        "token": "token-1",
        "person": person,
        "cases": [a_case(s, office_id="nordveggen") for s in STATUSES],
        "offices": {"nordveggen": OFFICE},
        "values": {"name": "Kari", "phone": "", "language": "nn"},
        "consent_given": AT,
        "newsletter": True,
    }
    refused = {**errors_for("name", "phone", "language"), "form": "error_form"}
    withdrawn = {"consent_given": None, "newsletter": False, "offices": {"nordveggen": None}}
    return [
        *({**common, "done": done} for done in (None, *DONE)),
        {**common, "done": None, "errors": refused},
        {**common, "done": None, **withdrawn},
    ]


def me_export() -> list[Context]:
    gathered: list[tuple[str, Any]] = [
        ("intake", {"person": {"name": "Kari"}, "cases": [{"id": 1}, "x", None, []]}),
        ("scheduling", None),
        ("notifications", None),
    ]

    def export(status: str, lang: str = "nb") -> Context:
        parts = [
            {"service": s, **ABOUT[s][lang], "received": s != "notifications", "data": data}
            for s, data in gathered
        ]
        return {"status": status, "export_id": "export-1", "parts": parts}

    common = {
        "token": "token-1",
        "w": WORDS["nb"],
        "names": SERVICE_NAMES["nb"],
        "timeout": 30,
        "missing": "Meldinger",
        "kept_until": AT,
    }
    return [{**common, "export": export(s)} for s in ("gathering", "incomplete", "complete")]


def staff_cases() -> list[Context]:
    common = {
        "staff": ADVISOR,
        "office": OFFICE,
        "cases": [a_case(s) for s in STATUSES],
        "limit": 200,
        "filters": {"status": "", "need": "", "municipality": "", "since": "", "until": ""},
        "statuses": STATUSES,
        "needs": NEEDS,
        "office_municipalities": [("1539", "Rauma (1539)")],
        "municipalities": {"1539": "Rauma"},
        "q": "",
        "my_day": None,  # an advisor's own list has their day
    }
    filters = ("status", "need", "municipality", "since", "until", "mine")
    refused = {f: f"error_filter_{f}" for f in filters}
    key = Staff("key-2", "nordveggen", "office_admin")
    day = MyDay(AT.date(), MEETINGS, [], [DUE], {"case-new": "NV-2026-0001"})
    refused_day = replace(day, today=[], due=[], asked="x", error="error_day")
    return [
        {**common, "mine": True, "my_day": day},
        {**common, "mine": True, "my_day": refused_day, "errors": {"day": "error_day"}},
        {**common, "mine": True},
        {**common, "mine": False, "cases": [a_case()], "limit": 1},
        {**common, "mine": False, "staff": key, "cases": [], "errors": refused},
    ]


# the case's meetings (meetings/): every status, type and mode, and one known by its start only
MEETINGS = [
    {
        "case_id": "case-new",
        "advisor_id": "advisor-1",
        "meeting_type": kind,
        "mode": mode,
        "status": status,
        "when": "24.11.2026 14:05\u201315:05",
    }
    for status, kind, mode in zip(
        MEETING_STATUSES,
        ["first_guidance", "follow_up"] * 3,
        ["digital", "in_person"] * 3,
        strict=False,
    )
]
MEETINGS.append({"case_id": "case-x", "advisor_id": "advisor-9", "status": "held", "when": "x"})
DUE = {"case_id": "case-new", "reference": "NV-2026-0001", "programme": "Etablerertilskudd",
       "deadline": "2026-12-01", "deadline_shown": "01.12.2026"}  # fmt: skip


def staff_search() -> list[Context]:
    common = {"staff": ADVISOR, "municipalities": {"1539": "Rauma"}, "shown": 50}
    found = {**common, "q": "kari", "searched": True}
    refused = {"q": "x", "searched": False, "cases": []}
    return [
        {**common, "q": "", "searched": False, "cases": []},
        {**found, "cases": [a_case(s) for s in STATUSES]},
        {**found, "cases": [a_case()]},
        {**found, "cases": [a_case()], "shown": 1},
        *(
            {**common, **refused, "errors": {"q": f"error_search_{reason}"}}
            for reason in ("empty", "long", "phone", "short")
        ),
    ]


def staff_case() -> list[Context]:
    applications = [
        {
            "id": f"app-{o}",
            "programme": "Etablerertilskudd",
            "amount_asked_nok": 30000,
            "outcome": o,
            "amount_granted_nok": 25000 if o == "granted" else 0,
        }
        for o in (None, *OUTCOMES)
    ]
    common = {
        "staff": ADVISOR,
        "case": a_case("in_guidance", advisor_id="advisor-1"),
        "person": {"name": "Kari", "email": "kari@example.org", "phone": None},
        "municipality": "Rauma",
        "moves": [s for s in STATUSES if s != "company_registered"],
        "notice": None,
        "notes": [
            {"id": "n-1", "at": AT, "by": "key-1", "text": "Ringt\nopp"},  # the staff's own
            {"id": "n-2", "at": AT, "by": "key-1", "text": "Endret", "edited_at": AT},
            {"id": "n-3", "at": AT, "by": "key-9", "text": "Another's"},
            {"id": "n-4", "at": AT},  # erased
        ],
        "authors": {"key-1": "Ola"},
        "applications": [{**a, "deadline_shown": day_shown("2026-12-01")} for a in applications],
        "introductions": [{"at": AT, "to_whom": "Bank", "kind": k, "why": "lån"} for k in KINDS],
        "company": None,
        "meetings": MEETINGS,
        "advisors": {"advisor-1": "Ola"},
        "grant_programmes": GRANTS,
        "kroner": kroner,
        "day_shown": day_shown,
        "values": {},
    }
    registered = {
        "company": {"org_number": "923609016", "registered_on": "2026-11-20", "recorded_at": AT},
        "case": a_case("company_registered"),
        "person": {"erased_at": AT},
        "moves": [],
        "notes": [],
        "applications": [],
        "introductions": [{"at": AT, "kind": "other"}],
        "advisors": {},
    }
    fields = ["status", "reason", "comment", "advisor_id", "text", "programme_id", "to_whom"]
    fields += ["amount_asked_nok", "deadline", "kind", "why", "org_number", "registered_on"]
    refused = {**errors_for(*fields), "applications": "error_application_unknown"}
    refused["text-n-1"] = "error_text"
    conflicts = ["error_case_changed", "error_advisor_changed", "error_company_registered"]
    conflicts += ["error_note_changed"]
    return [
        *({**common, "notice": notice} for notice in (None, *NOTICES.values())),
        {**common, **registered},
        {**common, "errors": refused},
        {**common, "errors": {f"field-{n}": key for n, key in enumerate(conflicts)}},
        {**common, "errors": {"company": "error_person_erased"}},
        *(
            {**common, "errors": {"notes": key}}
            for key in ("error_note_unknown", "error_note_not_yours")
        ),
        {**common, "errors": {"text-n-1": "error_text"}, "values": {"text-n-1": None}},
    ]


GRANTS = [
    {"_id": "g-1", "name": "Avklaringsmidler", "name_en": "Clarification grant",
     "granted_by": "Kommunen", "max_amount_nok": 30000, "active": True},
    {"_id": "g-2", "name": "Etablerertilskudd", "name_en": None,
     "granted_by": "Innovasjon Norge", "max_amount_nok": None, "active": False},
]  # fmt: skip
GRANT_FIELDS = ("name", "name_en", "granted_by", "max_amount_nok", "active")


def grant_programmes() -> list[Context]:
    """The office's catalogue (grants/) as its admin sees it (each notice, every field
    refused) and as an advisor does (no forms)."""
    admin = Staff("key-2", "nordveggen", "office_admin")
    common = {"staff": admin, "entries": GRANTS, "may_change": True, "values": {}, "kroner": kroner}
    refused = {f: f"grants_error_{f}" for f in GRANT_FIELDS}
    return [
        *({**common, "notice": f"grants_{n}" if n else None} for n in (None, *GRANT_NOTICES)),
        {**common, "notice": None, "errors": refused, "values": {"name": "x"}},
        {**common, "notice": None, "staff": ADVISOR, "may_change": False},
    ]


def grant_programme_form() -> list[Context]:
    admin = Staff("key-2", "nordveggen", "office_admin")
    refused = {f: f"grants_error_{f}" for f in GRANT_FIELDS}
    common = {"staff": admin, "entry": GRANTS[0], "values": GRANTS[0]}
    return [common, {**common, "errors": refused, "values": {"active": False}}]


def admin_dlq() -> list[Context]:
    rows = [
        {
            "dlq": f"0:{n}",
            "dead_lettered_at": "2026-11-24T13:05:00Z",
            "topic": "hoppid.intake",
            "partition": 0,
            "offset": n,
            "group": "hoppid-reporting",
            "type": "no.hoppid.intake.case.opened.v1",
            "id": "event-1",
            "subject": "case-1",
            "office": "nordveggen",
            "error": "case_id: Field required\nsecond line",
            "redriven_from": "hoppid.intake.dlq:0:1" if n else None,
            "redriven": redriven,
        }
        for n, redriven in enumerate(
            [
                None,
                {"to": "hoppid.intake:0:9", "at": AT, "covered_by": None},
                {"to": "hoppid.intake:0:9", "at": AT, "covered_by": "0:0"},
            ]
        )
    ]
    common = {
        "staff": Staff("key-3", "*", "platform_admin"),
        "topics": [(name, f"hoppid.{name}") for name in TOPICS],
        "topic": TOPICS[0],
        "dlq_topic": "hoppid.intake.dlq",
        "pending_only": False,
        "rows": rows,
        "total": 501,
        "limit": 500,
        "exists": True,
        "pending": 1,
        "report": dict.fromkeys(REPORT, 1),
    }
    return [
        common,
        {**common, "errors": {e: f"dlq_error_{e}" for e in ("topic", "positions")}, "report": None},
        {**common, "exists": False, "rows": []},
    ]


def office_admin(**page: Any) -> list[Context]:
    """An office admin's page as an office admin sees it and as the platform admin does (with
    ``?office=`` in its links), with every role shown and ``page``'s own context."""
    office = {"_id": "nordveggen", **OFFICE}
    admins = [
        Admin(Staff("account:sub-anne", "nordveggen", "office_admin"), office),
        Admin(Staff("platform-admin", "*", "platform_admin"), office),
    ]
    roles = ("advisor", "office_admin")
    return [
        {
            "staff": admin.staff,
            "admin": admin,
            "office": office,
            "values": {"subject": "sub-per", "role": "advisor", "name": "Per", "advisor_id": ""},
            "accounts": [
                {"_id": f"sub-{r}", "name": "Anne", "role": r, "advisor_id": "adv-1"} for r in roles
            ],
            "keys": [
                {"_id": f"k-{r}", "label": "Booking", "role": r, "issued_at": AT} for r in roles
            ],
            "notice": None,
            **page,
        }
        for admin in admins
    ]


def office_accounts() -> list[Context]:
    fields = ("subject", "role", "name", "advisor_id")
    refused = {f: f"account_error_{f}" for f in fields}
    # the office admin's own account, marked as theirs (the page compares the signed-in key)
    own = {"_id": "sub-anne", "name": "Anne", "role": "office_admin", "advisor_id": None}
    return [
        *office_admin(),
        *office_admin(accounts=[own]),
        *office_admin(accounts=[]),
        *(c for n in ("added", "changed", "removed") for c in office_admin(notice=n)),
        *office_admin(errors=refused),
        *office_admin(errors={"subject": "account_error_taken"}),
    ]


def office_keys() -> list[Context]:
    refused = {f: f"key_error_{f}" for f in ("role", "label")}
    return [
        *office_admin(),
        *office_admin(keys=[], notice="revoked"),
        *office_admin(errors=refused),
    ]


def staff_audit() -> list[Context]:
    """The office admin's audit log: every action, channel and kind of actor, the platform
    admin's choice of office, pages, and each filter refused."""
    actors = ["account", "key", "platform_admin", "person", "system"]
    channels = ["page", "api", "link", "system"]
    entries = [
        {
            "at": AT,
            "action": action,
            "channel": channels[n % len(channels)],
            "actor": {"kind": actors[n % len(actors)], "id": "sub-1", "name": None if n else "Ola"},
            "case_ids": ["case-new"],
            "case_references": ["NV-2026-0001"],
            "reason": "A copy for the funder" if action == "export" else None,
            "details": {
                "read": {"contact_details": True},
                "search": {"by": ["email", "phone", "name", "reference"][n % 4]},
                "correction": {"fields": ["name", "phone", "language"]},
            }.get(action, {}),
        }
        for n, action in enumerate(AUDIT_ACTIONS * 2)
    ]
    admin = Staff("key-2", "nordveggen", "office_admin")
    common = {
        "staff": admin,
        "office": "nordveggen",
        "offices": [],
        "filters": {"reference": "", "action": ""},
        "actions": AUDIT_ACTIONS,
        "entries": entries,
        "number": 1,
        "older": False,
        "query": lambda n: f"?page={n}",
    }
    platform = Staff("platform-admin", "*", "platform_admin")
    refused = {field: f"error_audit_{field}" for field in ("reference", "action", "page")}
    return [
        common,
        {**common, "entries": [], "number": 2, "older": True},
        {**common, "staff": platform, "offices": ["nordveggen", "molde"], "number": 3},
        {
            **common,
            "entries": [],
            "errors": refused,
        },
    ]


def withdrawals() -> list[Context]:
    return [{"token": "token-1", "consent": consent} for consent in CONSENTS]


CONTEXTS: dict[str, Callable[[], list[Context]]] = {
    "admin_dlq.html": admin_dlq,
    "staff_audit.html": staff_audit,
    **dict.fromkeys([*PARTS, "staff_case.html"], staff_case),
    "inquiry.html": inquiry,
    "inquiry_sent.html": lambda: [{"office": OFFICE}, {"office": None}],
    "link.html": lambda: [
        {"email": "", "days": 30},
        {"email": "x", "days": 30, "errors": errors_for("email")},
    ],
    "link_sent.html": lambda: [{"days": 30}],
    "me.html": me,
    "me_erase.html": lambda: [{"token": "token-1"}],
    "me_erased.html": lambda: [{}],
    "me_export.html": me_export,
    "me_invalid.html": lambda: [{}],
    "me_withdraw.html": withdrawals,
    "staff_cases.html": staff_cases,
    "staff_search.html": staff_search,
    "search_form.html": staff_search,
    "cases_table.html": staff_cases,
    "_office_admin_nav.html": office_accounts,
    "_office_account_fields.html": lambda: office_admin(subject="sub-per"),
    "office_accounts.html": office_accounts,
    "office_account.html": lambda: [
        *office_admin(subject="sub-per"),
        *office_admin(subject="sub-per", errors={"role": "account_error_role"}),
    ],
    "office_account_remove.html": lambda: [
        c for own in (True, False) for c in office_admin(account={"_id": "s", "name": "P"}, own=own)
    ],
    "office_admin_choose.html": lambda: [
        {"staff": Staff("platform-admin", "*", "platform_admin"), "title_key": title, "offices": []}
        for title in ("accounts_title", "keys_title")
    ],
    "office_keys.html": office_keys,
    "office_key_issued.html": lambda: office_admin(
        issued={"key_id": "k-1", "key": "hk_k-1.secret"}, label="Booking"
    ),
    "office_key_revoke.html": lambda: [
        c for own in (True, False) for c in office_admin(key={"_id": "k", "label": "B"}, own=own)
    ],
    "grant_programmes.html": grant_programmes,
    "grant_programme_form.html": grant_programme_form,
    "grant_programme_fields.html": grant_programmes,
    "my_day.html": staff_cases,
}


def test_a_missing_text_is_found() -> None:
    """The check above can fail: a key no language has shows in brackets, and is found."""
    template = PAGES.environment.from_string("<p>{{ t('no_such_text_anywhere') }}</p>")
    html = template.render(t=PAGES.texts.translator("nn"))
    assert MISSING_TEXT.findall(html) == ["no_such_text_anywhere"]


def test_the_export_page_words_are_in_every_language() -> None:
    """The export page's own words are dicts per language, not texts: the same keys in each."""
    for words in (WORDS, SERVICE_NAMES, *ABOUT.values()):
        assert sorted(words) == sorted(LANGUAGES)
        assert len({tuple(sorted(words[lang])) for lang in LANGUAGES}) == 1
