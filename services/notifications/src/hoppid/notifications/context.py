"""What every reaction, delivery and page is handed: the service's store, texts, channels,
metrics and clock, built once by main.py (``make_context``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from hoppid.notifications.composition.templates import Templates
from hoppid.notifications.delivery.mail import Email, send_email
from hoppid.notifications.delivery.sms import SmsGateway
from hoppid.notifications.metrics import NotificationMetrics
from hoppid.notifications.settings import NotificationsSettings, SmtpServer
from hoppid.notifications.store import Repositories
from hoppid.shared.clock import real_now
from hoppid.shared.pii import PersonalDataVault

SendMail = Callable[[SmtpServer, Email], Awaitable[None]]


@dataclass
class Context:
    store: Repositories  # NotificationsStore, or hoppid.notifications.memory's in unit tests
    templates: Templates
    settings: NotificationsSettings
    sms: SmsGateway
    metrics: NotificationMetrics
    notify: Callable[[], None]  # wakes the outbox relay after a write
    vault: PersonalDataVault  # opens the person's sealed contact copy
    send_mail: SendMail = send_email
    now: Callable[[], datetime] = field(default=real_now)
