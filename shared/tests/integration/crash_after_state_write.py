"""Run as its own process: change an aggregate with its event in the outbox, then die at once.

SIGKILL leaves no chance for cleanup or a last publish: exactly the crash the outbox is for.
"""

import asyncio
import os
import signal
import sys

from hoppid.shared.envelope import Envelope
from hoppid.shared.mongo import make_mongo_client
from hoppid.shared.outbox import with_outbox


async def main(url: str, database: str, topic: str, event_id: str) -> None:
    client = make_mongo_client(url)
    envelope = Envelope(
        id=event_id,
        type="no.hoppid.test.thing.happened.v1",
        source="/test",
        subject="case-1",
        data={"counter": "case-1"},
    )
    await client[database]["cases"].update_one(
        {"_id": "case-1"},
        with_outbox({"$set": {"status": "contacted"}}, topic, [envelope]),
        upsert=True,
    )
    os.kill(os.getpid(), signal.SIGKILL)  # after the state write, before any publish


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
