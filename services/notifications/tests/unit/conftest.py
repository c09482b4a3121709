"""notifications's reactions and delivery on the in-memory repositories
(hoppid.notifications.memory): a context with no store, broker, SMTP or SMS gateway behind it,
a clock the test sets, and the mail and SMS it would send kept in lists."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest
from prometheus_client import CollectorRegistry
from pymongo.errors import DuplicateKeyError

from hoppid.notifications.composition.templates import Templates
from hoppid.notifications.context import Context
from hoppid.notifications.delivery.mail import Email
from hoppid.notifications.delivery.sms import Sms
from hoppid.notifications.memory import MemoryStore
from hoppid.notifications.metrics import NotificationMetrics
from hoppid.notifications.settings import NotificationsSettings, SmtpServer
from hoppid.shared.pii import KEYS, PersonalDataVault, vault_kek

# a weekday at noon in Oslo: outside the SMS quiet hours
NOON = datetime(2030, 6, 4, 10, 0, tzinfo=UTC)


class MemoryKeys:
    """The vault's key collection in memory: the few calls PersonalDataVault makes (by _id)."""

    def __init__(self) -> None:
        self.keys: dict[str, dict[str, Any]] = {}

    async def find_one(self, selector: dict[str, Any], *_: Any) -> dict[str, Any] | None:
        return copy.deepcopy(self.keys.get(selector["_id"]))

    async def insert_one(self, document: dict[str, Any]) -> None:
        if document["_id"] in self.keys:
            raise DuplicateKeyError("person key exists")
        self.keys[document["_id"]] = copy.deepcopy(document)

    async def update_one(
        self, selector: dict[str, Any], update: dict[str, Any], upsert: bool = False
    ) -> None:
        found = self.keys.get(selector["_id"])
        if found is None and not upsert:
            return
        found = self.keys.setdefault(selector["_id"], {"_id": selector["_id"]})
        found.update(update.get("$set", {}))
        for name in update.get("$unset", {}):
            found.pop(name, None)


@dataclass
class Sent:
    mail: list[Email] = field(default_factory=list)
    sms: list[Sms] = field(default_factory=list)

    def to(self, address: str) -> list[Email]:
        return [email for email in self.mail if email.to == address]

    async def send_mail(self, server: SmtpServer, email: Email) -> None:
        self.mail.append(email)

    async def send(self, sms: Sms) -> None:  # the SMS gateway's one method
        self.sms.append(sms)


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def sent() -> Sent:
    return Sent()


@pytest.fixture
def clock() -> Clock:
    return Clock(NOON)


@pytest.fixture
def make_context(sent: Sent, clock: Clock) -> Callable[..., Context]:
    def make(templates: Path | None = None) -> Context:
        return Context(
            store=MemoryStore(),
            templates=Templates(packaged=templates) if templates else Templates(),
            settings=NotificationsSettings.model_validate({"link_secret": "unit-" + "x" * 32}),
            sms=sent,
            metrics=NotificationMetrics(CollectorRegistry()),
            notify=lambda: None,
            vault=PersonalDataVault(cast(Any, {KEYS: MemoryKeys()}), vault_kek("unit-tests")),
            send_mail=sent.send_mail,
            now=clock,
        )

    return make


@pytest.fixture
def ctx(make_context: Callable[..., Context]) -> Context:
    return make_context()
