"""Does a local-stack server really answer? One attempt, a few seconds at most.

    probe.py kafka HOST:PORT   fetch cluster metadata (a broker serves it only once it is ready)
    probe.py mongo URL         run the `ping` command

Exit 0 with a one-line summary on stdout when it answers, 1 with the reason on stderr when not.
stack.sh calls it in a loop; run it with the repo venv's python (aiokafka, pymongo).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys

# Short, so a probe that hits a half-started server gives up soon and the next one starts.
TIMEOUT_SECONDS = 2.0


async def _kafka(bootstrap: str) -> str:
    from aiokafka import AIOKafkaClient

    client = AIOKafkaClient(
        bootstrap_servers=bootstrap,
        request_timeout_ms=int(TIMEOUT_SECONDS * 1000),
        client_id="hoppid-stack-probe",
        **_kafka_credentials(),
    )
    try:
        await client.bootstrap()
        metadata = await client.fetch_all_metadata()
        brokers = metadata.brokers()
        if not brokers:
            raise RuntimeError("metadata lists no broker yet")
        topics = metadata.topics()
        return f"kafka {bootstrap}: {len(brokers)} broker(s), {len(topics)} topic(s)"
    finally:
        await client.close()


def _kafka_credentials() -> dict[str, str]:
    """A SASL stack's admin user, as kafka.sh puts it into the environment (HOPPID_KAFKA_*)."""
    protocol = os.environ.get("HOPPID_KAFKA_SECURITY_PROTOCOL", "PLAINTEXT")
    if not protocol.startswith("SASL_"):
        return {}
    return {
        "security_protocol": protocol,
        "sasl_mechanism": os.environ.get("HOPPID_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512"),
        "sasl_plain_username": os.environ.get("HOPPID_KAFKA_USERNAME", ""),
        "sasl_plain_password": os.environ.get("HOPPID_KAFKA_PASSWORD", ""),
    }


def probe_kafka(bootstrap: str) -> str:
    # aiokafka logs every refused connection at ERROR; the caller only wants yes or no.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    return asyncio.run(asyncio.wait_for(_kafka(bootstrap), TIMEOUT_SECONDS * 2))


def probe_mongo(url: str) -> str:
    from pymongo import MongoClient

    timeout_ms = int(TIMEOUT_SECONDS * 1000)
    client: MongoClient[dict[str, object]] = MongoClient(
        url,
        serverSelectionTimeoutMS=timeout_ms,
        connectTimeoutMS=timeout_ms,
        socketTimeoutMS=timeout_ms,
        appname="hoppid-stack-probe",
    )
    try:
        client.admin.command("ping")
        version = client.server_info().get("version", "?")
        return f"mongo: ping ok (server version {version})"
    finally:
        client.close()


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[1] not in {"kafka", "mongo"}:
        print(__doc__, file=sys.stderr)
        return 2
    kind, target = argv[1], argv[2]
    try:
        summary = probe_kafka(target) if kind == "kafka" else probe_mongo(target)
    except Exception as error:  # any failure means "not answering yet"
        reason = (str(error) or type(error).__name__).splitlines()[0]
        # pymongo appends its timeouts and the whole topology description; the cause is enough.
        reason = reason.split(" (configured timeouts")[0].split(", Timeout:")[0][:300]
        print(f"{kind} not answering: {reason}", file=sys.stderr)
        return 1
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
