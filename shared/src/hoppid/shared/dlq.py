"""Dead letters: list a ``<topic>.dlq`` with each record's error and origin, and re-drive
chosen records to their topic once the cause is fixed (``scripts/dlq.sh``,
``python -m hoppid.shared.dlq``, and the platform admin's page on intake, ``/pages/admin/dlq``,
which calls :func:`read_dead_letters` and :func:`redrive`).

A dead letter is the original record (key, value and headers, byte for byte: sealed personal
fields stay sealed) plus the ``hoppid_dlq_*`` headers the consumer adds (see consumer.py). The
listing shows ids and origins, never the data; ``--data`` shows the data's field names with every
personal value hidden (sealed fields, fields the catalogue marks personal, and all values of a
type the catalogue does not know). The error text is shown without the input values pydantic
puts into its messages.

Re-driving publishes the record again to its original topic, as it was (same key, value and
CloudEvents headers, so the same ``ce_id``: consumers' idempotency drops a repeat), without the
``hoppid_dlq_*`` headers and with ``hoppid_redriven_from`` saying which dead letter it was.
After the broker acknowledged it, a marker keyed by the dead letter's partition and offset goes
to the compacted topic ``<topic>.dlq.redriven``. A record with a marker, or whose origin record
was already re-driven from another dead letter (several consumer groups may dead-letter the same
record; one re-drive reaches them all), is not published again: a second re-drive changes nothing.
Guarantees in docs/operations.md ("Dead letters").
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from hoppid.shared.clock import Clock, real_now
from hoppid.shared.events import EventCatalogue, load_contracts
from hoppid.shared.events import catalogue as platform_catalogue
from hoppid.shared.kafka import client_options
from hoppid.shared.pii import SEALED

DLQ_HEADER_PREFIX = "hoppid_dlq_"
REDRIVEN_FROM = "hoppid_redriven_from"
_TOPIC_ALREADY_EXISTS = 36
_MAX_RANGE = 100_000
# pydantic writes the offending input into its messages ("input_value='…'"): personal data
_INPUT_VALUE = re.compile(r"input_value=.*?, input_type=", re.DOTALL)


def dlq_topic_of(topic: str) -> str:
    """The DLQ of a topic; a DLQ's name is accepted as it is."""
    return topic if topic.endswith(".dlq") else f"{topic}.dlq"


def marker_topic_of(dlq_topic: str) -> str:
    return f"{dlq_topic}.redriven"


def safe_error(text: str) -> str:
    """The error without the input values pydantic quotes (they may be personal data)."""
    return _INPUT_VALUE.sub("input_value=[hidden], input_type=", text)


@dataclass(frozen=True)
class Redriven:
    """The marker of one re-driven dead letter: where it went, and when."""

    dlq_partition: int
    dlq_offset: int
    origin: str  # "<topic>:<partition>:<offset>" of the record that was dead-lettered
    event_id: str
    topic: str
    partition: int
    offset: int
    at: str
    covered_by: str = ""  # "<partition>:<offset>" of the dead letter whose re-drive covered it

    def to_json(self) -> bytes:
        return json.dumps(self.__dict__, separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Redriven:
        return cls(**json.loads(raw))


@dataclass(frozen=True)
class DeadLetter:
    """One record of a ``<topic>.dlq``, read as it is."""

    dlq_topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]
    redriven: Redriven | None = None

    @property
    def position(self) -> str:
        return f"{self.partition}:{self.offset}"

    def header(self, name: str) -> str:
        for key, value in self.headers:
            if key == name:
                return (value or b"").decode("utf-8", "replace")
        return ""

    @property
    def origin_topic(self) -> str:
        return self.header("hoppid_dlq_topic") or self.dlq_topic.removesuffix(".dlq")

    @property
    def origin_partition(self) -> int | None:
        text = self.header("hoppid_dlq_partition")
        return int(text) if text.isdigit() else None

    @property
    def origin_offset(self) -> int | None:
        text = self.header("hoppid_dlq_offset")
        return int(text) if text.isdigit() else None

    @property
    def origin(self) -> str:
        """``<topic>:<partition>:<offset>`` of the record dead-lettered ("" when unknown)."""
        if self.origin_partition is None or self.origin_offset is None:
            return ""
        return f"{self.origin_topic}:{self.origin_partition}:{self.origin_offset}"

    @property
    def event_id(self) -> str:
        return self.header("ce_id")

    @property
    def event_type(self) -> str:
        return self.header("ce_type")

    def summary(self) -> dict[str, Any]:
        """What the listing shows: ids, origin and the error; never the data."""
        redriven = self.redriven
        return {
            "dlq": self.position,
            "dead_lettered_at": self.header("hoppid_dlq_time"),
            "group": self.header("hoppid_dlq_group"),
            "topic": self.origin_topic,
            "partition": self.origin_partition,
            "offset": self.origin_offset,
            "type": self.event_type,
            "id": self.event_id,
            "subject": self.header("ce_subject"),
            "office": self.header("ce_office"),
            "event_time": self.header("ce_time"),
            "error": safe_error(self.header("hoppid_dlq_error")),
            "redriven_from": self.header(REDRIVEN_FROM),
            "redriven": None if redriven is None else _redriven_summary(redriven),
        }

    def republished_headers(self) -> list[tuple[str, bytes]]:
        """The original headers, without the DLQ's, saying which dead letter this was."""
        kept = [
            (name, value)
            for name, value in self.headers
            if not name.startswith(DLQ_HEADER_PREFIX) and name != REDRIVEN_FROM
        ]
        origin = f"{self.dlq_topic}:{self.position}"
        return [*kept, (REDRIVEN_FROM, origin.encode())]


def _redriven_summary(redriven: Redriven) -> dict[str, Any]:
    return {
        "to": f"{redriven.topic}:{redriven.partition}:{redriven.offset}",
        "at": redriven.at,
        "covered_by": redriven.covered_by or None,
    }


def hidden_data(letter: DeadLetter, catalogue: EventCatalogue) -> dict[str, Any] | str:
    """The data's fields with every personal value hidden; sealed fields stay sealed."""
    try:
        data = json.loads(letter.value or b"")
    except (ValueError, UnicodeDecodeError):
        return f"[not JSON, {len(letter.value or b'')} bytes]"
    if not isinstance(data, dict):
        return "[not a JSON object]"
    known = catalogue.knows(letter.event_type)
    personal = catalogue.model_for(letter.event_type).pii_fields() if known else frozenset()
    shown: dict[str, Any] = {}
    for name, value in data.items():
        if isinstance(value, Mapping) and SEALED in value:
            shown[name] = "[sealed]"
        elif not known:
            shown[name] = "[hidden: type not in the catalogue]"
        elif name in personal:
            shown[name] = "[personal]"
        else:
            shown[name] = value
    return shown


# ---------------------------------------------------------------------------------- selection


@dataclass(frozen=True)
class Selection:
    """Which dead letters: by position, by event id, and/or by filters (all must hold)."""

    positions: frozenset[tuple[int, int]] = frozenset()
    event_ids: frozenset[str] = frozenset()
    event_type: str = ""
    group: str = ""
    error_contains: str = ""
    pending_only: bool = False

    def chooses(self, letter: DeadLetter) -> bool:
        if self.positions and (letter.partition, letter.offset) not in self.positions:
            return False
        if self.event_ids and letter.event_id not in self.event_ids:
            return False
        if self.event_type and letter.event_type != self.event_type:
            return False
        if self.group and letter.header("hoppid_dlq_group") != self.group:
            return False
        error = safe_error(letter.header("hoppid_dlq_error"))  # matched as it is shown
        if self.error_contains and self.error_contains not in error:
            return False
        return not (self.pending_only and letter.redriven is not None)

    @property
    def names_records(self) -> bool:
        return bool(self.positions or self.event_ids)


def parse_positions(text: str) -> frozenset[tuple[int, int]]:
    """``0:12,3:4-9`` (partition:offset, or a range of offsets) into (partition, offset) pairs."""
    positions: set[tuple[int, int]] = set()
    for part in filter(None, (p.strip() for p in text.split(","))):
        partition, sep, offsets = part.partition(":")
        if not sep or not partition.isdigit():
            raise ValueError(f"{part!r}: give partition:offset, e.g. 0:12 or 0:12-15")
        first, _, last = offsets.partition("-")
        if not first.isdigit() or (last and not last.isdigit()):
            raise ValueError(f"{part!r}: an offset is a number, a range first-last")
        if last and not 0 <= int(last) - int(first) <= _MAX_RANGE:
            raise ValueError(f"{part!r}: a range goes up, by at most {_MAX_RANGE:,} offsets")
        for offset in range(int(first), int(last or first) + 1):
            positions.add((int(partition), offset))
    return frozenset(positions)


# ---------------------------------------------------------------------------------- reading


async def describe(bootstrap_servers: str, topic: str) -> list[dict[str, Any]] | None:
    """The topic's partitions (with their replicas), or None when it does not exist. Never
    creates it (a metadata request for one topic may, where the broker auto-creates topics)."""
    admin = AIOKafkaAdminClient(**client_options(bootstrap_servers))
    await admin.start()
    try:
        if topic not in await admin.list_topics():
            return None
        (found,) = await admin.describe_topics([topic])
        partitions: list[dict[str, Any]] = found["partitions"]
        return partitions
    finally:
        await admin.close()


async def read_topic(bootstrap_servers: str, topic: str) -> list[Any] | None:
    """Every record of a topic up to its end now (None when the topic does not exist)."""
    partitions = await describe(bootstrap_servers, topic)
    if partitions is None:
        return None
    assigned = [TopicPartition(topic, p["partition"]) for p in partitions]
    consumer = AIOKafkaConsumer(
        **client_options(bootstrap_servers, group_id=None, enable_auto_commit=False)
    )
    await consumer.start()
    try:
        consumer.assign(assigned)
        await consumer.seek_to_beginning(*assigned)
        ends = await consumer.end_offsets(assigned)
        records: list[Any] = []
        while [tp for tp in assigned if await consumer.position(tp) < ends[tp]]:
            batch = await consumer.getmany(*assigned, timeout_ms=1000)
            for tp, mine in batch.items():
                records.extend(r for r in mine if r.offset < ends[tp])
        return records
    finally:
        await consumer.stop()


async def read_markers(bootstrap_servers: str, dlq_topic: str) -> dict[tuple[int, int], Redriven]:
    """The re-driven dead letters, by (partition, offset); the last marker of a key wins."""
    markers: dict[tuple[int, int], Redriven] = {}
    for record in await read_topic(bootstrap_servers, marker_topic_of(dlq_topic)) or []:
        if record.value is not None:
            marker = Redriven.from_json(record.value)
            markers[(marker.dlq_partition, marker.dlq_offset)] = marker
    return markers


async def read_dead_letters(bootstrap_servers: str, topic: str) -> list[DeadLetter] | None:
    """The dead letters of a topic (or of a DLQ named as such), with their markers; None when
    the DLQ does not exist."""
    dlq = dlq_topic_of(topic)
    records = await read_topic(bootstrap_servers, dlq)
    if records is None:
        return None
    markers = await read_markers(bootstrap_servers, dlq)
    letters = [
        DeadLetter(
            dlq_topic=dlq,
            partition=r.partition,
            offset=r.offset,
            key=r.key,
            value=r.value,
            headers=tuple((name, value or b"") for name, value in r.headers),
            redriven=markers.get((r.partition, r.offset)),
        )
        for r in records
    ]
    return sorted(letters, key=lambda letter: (letter.partition, letter.offset))


# ---------------------------------------------------------------------------------- re-driving


@dataclass
class RedriveReport:
    redriven: list[tuple[DeadLetter, Redriven]] = field(default_factory=list)
    covered: list[tuple[DeadLetter, Redriven]] = field(default_factory=list)  # origin done
    already: list[DeadLetter] = field(default_factory=list)  # re-driven before
    not_found: list[str] = field(default_factory=list)  # positions / ids named, not in the DLQ


async def redrive(
    bootstrap_servers: str,
    topic: str,
    selection: Selection,
    *,
    clock: Clock = real_now,
    dry_run: bool = False,
) -> RedriveReport:
    """Publish the chosen dead letters again to their original topics, each at most once."""
    letters = await read_dead_letters(bootstrap_servers, topic)
    if letters is None:
        raise LookupError(f"no topic {dlq_topic_of(topic)}")
    chosen = [letter for letter in letters if selection.chooses(letter)]
    report = RedriveReport(not_found=_not_found(selection, letters))
    done_origins = {m.origin: m for m in (x.redriven for x in letters) if m and m.origin}
    pending: list[DeadLetter] = []
    for letter in chosen:
        if letter.redriven is not None:
            report.already.append(letter)
        else:
            pending.append(letter)
    if not pending:
        return report
    if dry_run:
        for letter in pending:
            _decide(report, done_origins, letter, _dry(letter), clock)
        return report
    marker_topic = await _ensure_marker_topic(bootstrap_servers, dlq_topic_of(topic))
    producer = AIOKafkaProducer(
        **client_options(bootstrap_servers, enable_idempotence=True, acks="all")
    )
    await producer.start()
    try:
        for letter in pending:
            covering = done_origins.get(letter.origin) if letter.origin else None
            sent = await _republish(producer, letter, clock) if covering is None else None
            marker = _decide(report, done_origins, letter, sent, clock)
            key = f"{letter.partition}:{letter.offset}".encode()
            # the marker only after the broker has the record: a crash in between means a
            # second publish of the same event (same ce_id) on the next re-drive, never a loss
            await producer.send_and_wait(marker_topic, marker.to_json(), key=key)
    finally:
        await producer.stop()
    return report


def _decide(
    report: RedriveReport,
    done_origins: dict[str, Redriven],
    letter: DeadLetter,
    sent: Redriven | None,
    clock: Clock,
) -> Redriven:
    """Count one dead letter as re-driven (``sent``), or as covered by an earlier re-drive of
    the same origin record; its marker."""
    covering = done_origins.get(letter.origin) if letter.origin else None
    if covering is not None:
        marker = _covered(letter, covering, clock)
        report.covered.append((letter, marker))
        return marker
    if sent is None:
        raise ValueError(f"{letter.position}: neither re-driven nor covered by an earlier one")
    report.redriven.append((letter, sent))
    if letter.origin:
        done_origins[letter.origin] = sent
    return sent


async def _republish(producer: AIOKafkaProducer, letter: DeadLetter, clock: Clock) -> Redriven:
    partitions = await producer.partitions_for(letter.origin_topic)
    # by key, as producers publish (a key's events stay in one partition); without a key, back
    # to the partition it came from
    partition = None
    if letter.key is None and letter.origin_partition in partitions:
        partition = letter.origin_partition
    meta = await producer.send_and_wait(
        letter.origin_topic,
        letter.value,
        key=letter.key,
        partition=partition,
        headers=letter.republished_headers(),
    )
    return Redriven(
        dlq_partition=letter.partition,
        dlq_offset=letter.offset,
        origin=letter.origin,
        event_id=letter.event_id,
        topic=meta.topic,
        partition=meta.partition,
        offset=meta.offset,
        at=clock().isoformat(),
    )


def _covered(letter: DeadLetter, covering: Redriven, clock: Clock) -> Redriven:
    return Redriven(
        dlq_partition=letter.partition,
        dlq_offset=letter.offset,
        origin=letter.origin,
        event_id=letter.event_id,
        topic=covering.topic,
        partition=covering.partition,
        offset=covering.offset,
        at=clock().isoformat(),
        covered_by=f"{covering.dlq_partition}:{covering.dlq_offset}",
    )


def _dry(letter: DeadLetter) -> Redriven:
    return Redriven(
        dlq_partition=letter.partition,
        dlq_offset=letter.offset,
        origin=letter.origin,
        event_id=letter.event_id,
        topic=letter.origin_topic,
        partition=-1,
        offset=-1,
        at="",
    )


def _not_found(selection: Selection, letters: Sequence[DeadLetter]) -> list[str]:
    positions = {(x.partition, x.offset) for x in letters}
    ids = {x.event_id for x in letters}
    missing = [f"{p}:{o}" for p, o in sorted(selection.positions - positions)]
    return missing + sorted(selection.event_ids - ids)


async def _ensure_marker_topic(bootstrap_servers: str, dlq_topic: str) -> str:
    """The compacted marker topic beside the DLQ (one partition: markers are few), with as
    many copies as the DLQ."""
    name = marker_topic_of(dlq_topic)
    dlq_partitions = await describe(bootstrap_servers, dlq_topic) or [{"replicas": [0]}]
    replication = max(1, len(dlq_partitions[0]["replicas"]))
    admin = AIOKafkaAdminClient(**client_options(bootstrap_servers))
    await admin.start()
    try:
        if name in await admin.list_topics():
            return name
        response = await admin.create_topics(
            [
                NewTopic(
                    name,
                    num_partitions=1,
                    replication_factor=replication,
                    topic_configs={"cleanup.policy": "compact"},
                )
            ]
        )
        failed = [e for e in response.topic_errors if e[1] not in (0, _TOPIC_ALREADY_EXISTS)]
        if failed:
            raise RuntimeError(f"could not create {name}: {failed}")
        return name
    finally:
        await admin.close()


# ---------------------------------------------------------------------------------- the command


def _load_catalogue() -> EventCatalogue:
    """The platform's catalogue with every installed producer's contract registered in it."""
    load_contracts()
    return platform_catalogue


def _table(rows: Iterable[dict[str, Any]]) -> str:
    return "\n".join(_row_text(row) for row in rows)


def _row_text(row: dict[str, Any]) -> str:
    lines = [
        f"{row['dlq']}  {row['dead_lettered_at']}  group={row['group']}  "
        f"from={row['topic']}:{row['partition']}:{row['offset']}",
        f"    type={row['type']}  id={row['id']}  subject={row['subject']}  office={row['office']}",
        "    error: " + "\n           ".join(row["error"].splitlines() or [""]),
    ]
    if "data" in row:
        lines.append(f"    data: {json.dumps(row['data'], ensure_ascii=False)}")
    if row["redriven_from"]:
        lines.append(f"    was re-driven from {row['redriven_from']}")
    redriven = row["redriven"]
    if redriven is None:
        lines.append("    pending: not re-driven")
    else:
        covered = f" (with {redriven['covered_by']}, same origin)" if redriven["covered_by"] else ""
        lines.append(f"    re-driven to {redriven['to']} at {redriven['at']}{covered}")
    return "\n".join(lines)


async def _list(args: argparse.Namespace, servers: str) -> int:
    letters = await read_dead_letters(servers, args.topic)
    if letters is None:
        print(f"no topic {dlq_topic_of(args.topic)}", file=sys.stderr)
        return 2
    catalogue = _load_catalogue() if args.data else None
    rows = []
    for letter in letters:
        if _selection(args).chooses(letter):
            row = letter.summary()
            if catalogue is not None:
                row["data"] = hidden_data(letter, catalogue)
            rows.append(row)
    if args.json:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
    else:
        pending = sum(1 for row in rows if not row["redriven"])
        letters_word = "dead letter" if len(rows) == 1 else "dead letters"
        print(f"{dlq_topic_of(args.topic)}: {len(rows)} {letters_word}, {pending} not re-driven")
        if rows:
            print(_table(rows))
    return 0


async def _redrive(args: argparse.Namespace, servers: str) -> int:
    selection = _selection(args)
    if not selection.names_records and not args.all:
        print("say which: --offsets, --event-id, or --all (with filters)", file=sys.stderr)
        return 2
    try:
        report = await redrive(servers, args.topic, selection, dry_run=args.dry_run)
    except LookupError as error:
        print(error, file=sys.stderr)
        return 2
    verb = "would re-drive" if args.dry_run else "re-driven"
    for letter, marker in report.redriven:
        to = marker.topic if args.dry_run else f"{marker.topic}:{marker.partition}:{marker.offset}"
        print(f"{verb} {letter.position} ({letter.event_type} {letter.event_id}) to {to}")
    for letter, marker in report.covered:
        print(
            f"not published {letter.position} ({letter.event_id}): its origin {letter.origin} "
            f"was re-driven from {marker.covered_by}; marked"
        )
    for letter in report.already:
        print(f"already re-driven {letter.position} ({letter.event_id}): nothing done")
    for name in report.not_found:
        print(f"not in the DLQ: {name}", file=sys.stderr)
    print(
        f"{len(report.redriven)} {verb}, {len(report.covered)} covered by another, "
        f"{len(report.already)} already re-driven, {len(report.not_found)} not found"
    )
    return 1 if report.not_found else 0


def _selection(args: argparse.Namespace) -> Selection:
    return Selection(
        positions=args.offsets or frozenset(),
        event_ids=frozenset(args.event_id or ()),
        event_type=args.type or "",
        group=args.group or "",
        error_contains=args.error or "",
        pending_only=getattr(args, "pending", False),
    )


def _positions(text: str) -> frozenset[tuple[int, int]]:
    try:
        return parse_positions(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--bootstrap-servers",
        default=os.environ.get("HOPPID_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
        help="Kafka (default: $HOPPID_KAFKA_BOOTSTRAP_SERVERS or 127.0.0.1:9092)",
    )
    parser = argparse.ArgumentParser(
        prog="scripts/dlq.sh",
        description="List the dead letters of a topic and re-drive them (docs/operations.md).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser(
        "list", parents=[common], help="the dead letters, their errors and origins"
    )
    again = commands.add_parser(
        "redrive", parents=[common], help="publish chosen dead letters to their topic again"
    )
    for command in (listing, again):
        command.add_argument("topic", help="the topic (e.g. hoppid.intake) or its .dlq")
        command.add_argument("--offsets", type=_positions, help="DLQ positions: 0:12,3:4-9")
        command.add_argument("--event-id", action="append", help="a CloudEvents id (repeatable)")
        command.add_argument("--type", help="only this event type")
        command.add_argument("--group", help="only those this consumer group dead-lettered")
        command.add_argument("--error", help="only those whose error contains this text")
    listing.add_argument("--pending", action="store_true", help="only those not re-driven")
    listing.add_argument("--json", action="store_true", help="one JSON object a line")
    listing.add_argument(
        "--data", action="store_true", help="the data's fields, personal values hidden"
    )
    again.add_argument("--all", action="store_true", help="every dead letter the filters match")
    again.add_argument("--dry-run", action="store_true", help="say what would go, send nothing")
    return parser


async def run(argv: Sequence[str]) -> int:
    args = _parser().parse_args(argv)
    if args.command == "list":
        return await _list(args, args.bootstrap_servers)
    return await _redrive(args, args.bootstrap_servers)


def main() -> None:
    sys.exit(asyncio.run(run(sys.argv[1:])))


if __name__ == "__main__":
    main()
