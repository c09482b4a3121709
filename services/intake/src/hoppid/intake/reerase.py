"""Erase again, after a restore, everyone whose erasure the restored backup predates.

A backup of the store holds the vault too: the data keys of people erased after it was taken
come back with it, and with them their data in every service's store and the readability of
what the topics hold about them. The record of every erasure is kept outside the backup, on
intake's own topic (``erasure.requested.v1``, whose subject is the person; domain topics keep
their history). This command reads that topic from its start and, for each person:

- the vault key is destroyed again (a tombstone even for someone the backup never knew, so the
  key is never made again);
- a person the restored store holds unerased is erased as intake erases (``request_erasure``):
  intake's data scrubbed, and a new ``erasure.requested.v1`` in intake's outbox, which the
  running intake publishes and every other service handles as it did the first time.

Run it with intake's settings (``HOPPID_*``: the store, Kafka, topic prefix) right after a
restore, before the services take traffic (scripts/backup.sh restore does). Safe to repeat.

    python -m hoppid.intake.reerase
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiokafka import AIOKafkaConsumer

from hoppid.contracts.intake import ErasureRequested
from hoppid.intake import store
from hoppid.intake.audit import trail
from hoppid.intake.context import Context
from hoppid.intake.people import use_cases
from hoppid.intake.settings import IntakeSettings
from hoppid.shared.kafka import KafkaSecurity, Topics, client_options
from hoppid.shared.mongo import make_mongo_client
from hoppid.shared.pii import PersonalDataVault, vault_kek

log = logging.getLogger("hoppid.intake.reerase")


async def erased_on_topic(
    bootstrap_servers: str, topic: str, security: KafkaSecurity | None = None
) -> list[str]:
    """The person of every erasure request on intake's topic, oldest first (a person erased
    again, after a restore, is there twice)."""
    if topic not in await topic_names(bootstrap_servers, security):
        return []  # nothing was ever published: nobody was erased
    consumer = AIOKafkaConsumer(
        topic,
        **client_options(
            bootstrap_servers,
            security,
            enable_auto_commit=False,
            group_id=None,  # every partition, from its start, no offsets committed
            auto_offset_reset="earliest",
        ),
    )
    await consumer.start()
    try:
        partitions = list(consumer.assignment())
        ends = await consumer.end_offsets(partitions)
        people: list[str] = []
        while [p for p in partitions if await consumer.position(p) < ends[p]]:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for record in records:
                    if _header(record.headers, "ce_type") == ErasureRequested.event_type:
                        people.append(_header(record.headers, "ce_subject"))
        return [person for person in people if person]
    finally:
        await consumer.stop()


async def topic_names(bootstrap_servers: str, security: KafkaSecurity | None = None) -> set[str]:
    consumer = AIOKafkaConsumer(**client_options(bootstrap_servers, security, group_id=None))
    await consumer.start()
    try:
        return set(await consumer.topics())
    finally:
        await consumer.stop()


async def reerase(settings: IntakeSettings) -> tuple[int, int]:
    """(people on the topic, people the restored store held unerased and were erased again)."""
    topics = Topics(settings.topic_prefix)
    recorded = await erased_on_topic(
        settings.kafka_bootstrap_servers, topics.domain("intake"), KafkaSecurity.of(settings)
    )
    people = list(dict.fromkeys(recorded))
    mongo = make_mongo_client(
        settings.mongodb_url, timeout_seconds=settings.mongodb_timeout_seconds
    )
    try:
        secret = settings.link_secret.get_secret_value()
        vault = PersonalDataVault(mongo[settings.vault_database_name()], vault_kek(secret))
        context = Context(
            store=store.IntakeStore(mongo[settings.database_of("intake")], topics.domain("intake")),
            link_secret=settings.link_secret.get_secret_value(),
            link_days=settings.link_days,
            notify=lambda: None,  # the running intake's relay finds the outbox entries itself
            vault=vault,
            audit_database=settings.audit_database,
        )
        again = 0
        for person_id in people:
            await vault.destroy(person_id)
            person = await context.store.person(person_id)
            if person is not None and not person.get("erased_at"):
                await use_cases.request_erasure(context, person_id, by=trail.RESTORE)
                again += 1
        return len(people), again
    finally:
        await mongo.close()


def _header(headers: Any, name: str) -> str:
    for key, value in headers:
        if key == name:
            return (value or b"").decode("utf-8", "replace")
    return ""


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    settings = IntakeSettings()
    recorded, again = asyncio.run(reerase(settings))
    topic = Topics(settings.topic_prefix).domain("intake")
    print(
        f"reerase: {recorded} erasure(s) recorded on {topic}; {again} person(s) the restored "
        "store held unerased were erased again; every one's data key is destroyed"
    )


if __name__ == "__main__":
    main()
