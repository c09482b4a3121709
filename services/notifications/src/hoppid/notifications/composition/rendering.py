"""A message's text as a delivery keeps it until it is sent: rendered from the templates with
the office's values, and the person's preferences link in the footer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from hoppid.notifications.composition.templates import Templates
from hoppid.notifications.copies.offices import OfficeView
from hoppid.notifications.model import Outgoing
from hoppid.notifications.settings import NotificationsSettings
from hoppid.shared.links import PREFERENCES, narrowed_link

Document = dict[str, Any]


def preferences_link(
    out: Outgoing, settings: NotificationsSettings, now: Callable[[], datetime]
) -> str | None:
    """Every message to a person says where to turn non-essential messages off: a link that
    opens only that (a forwarded email must not open the person's case or erase them)."""
    if out.recipient_kind != "person" or not out.link_token:
        return None
    secret = settings.link_secret.get_secret_value()
    token = narrowed_link(secret, out.link_token, now(), PREFERENCES)
    return f"{settings.preferences_base_url}{token}/preferences" if token else None


def content(
    templates: Templates, out: Outgoing, office: OfficeView, preferences_link: str | None = None
) -> Document:
    """The rendered subject, language and content of a delivery (raises TemplateError)."""
    values = {**office.values(), **out.values}
    rendered = templates.render(out.message, out.language, out.office_id, values, preferences_link)
    return {
        "language": rendered.language,
        "fallback_language": rendered.fallback,
        "subject": rendered.subject,
        # the text may hold the person's link (a credential): dropped once sent or failed
        "content": {
            "text": rendered.text,
            "html": rendered.html,
            "sender_name": office.name,
            "reply_to": office.contact_email,
            "calendar": out.calendar,
            "calendar_method": out.calendar_method,
        },
    }
