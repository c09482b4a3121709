"""Run as its own process: relay a database's pending events, and die once Kafka has
acknowledged all of them, before the relay removes any from the store.

SIGKILL leaves no chance for cleanup: exactly the crash between publish and removal.
"""

import asyncio
import os
import signal
import sys
from collections.abc import Awaitable

from hoppid.shared.envelope import Envelope
from hoppid.shared.kafka import make_broker, send_envelope
from hoppid.shared.metrics import ServiceMetrics
from hoppid.shared.mongo import make_mongo_client
from hoppid.shared.outbox import OutboxRelay
from hoppid.shared.settings import ServiceSettings


async def main(url: str, database: str, servers: str, expected: str) -> None:
    client = make_mongo_client(url)
    broker = make_broker(ServiceSettings(kafka_bootstrap_servers=servers), client_id="crashing")
    await broker.start()
    acknowledged: list[str] = []

    async def publish(topic: str, envelope: Envelope) -> Awaitable[object]:
        ack = await send_envelope(broker, topic, envelope)

        async def then_maybe_die() -> None:
            await ack
            acknowledged.append(envelope.id)
            if len(acknowledged) == int(expected):
                os.kill(os.getpid(), signal.SIGKILL)  # all acked, nothing removed yet

        return then_maybe_die()

    relay = OutboxRelay(client[database], ["cases"], publish, ServiceMetrics("crashing"))
    await relay.publish_pending()
    sys.exit("the relay got past the acknowledgements: it should have died")


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
