"""Mail over SMTP: a MIME message with plain-text and HTML parts, handed to a server.

stdlib ``smtplib`` in a worker thread (``asyncio.to_thread``). The service sends through an
:class:`SmtpSender`, which keeps a connection open after a message for the next one to the same
server (a message at a time on each; as many connections as messages in flight, a few kept).
A kept connection the server closed meanwhile is found at the first command, before anything
of the message is sent, and the message goes over a new one. Every failure is classified
(hoppid.notifications.delivery.rules): before the text is sent, a failure is transient (unreachable,
4xx) or a rejection (5xx); once the text is out, a broken connection is an *unknown outcome*
and is never retried, so a message is sent at most once. A connection that failed in any way
is closed, never kept.

The MIME message is built with the email package's classic classes (``email.mime``, headers
encoded as they are set): the same message as ``EmailMessage`` makes, at a quarter of its cost.
"""

from __future__ import annotations

import asyncio
import re
import smtplib
import ssl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import encoders
from email._policybase import Compat32
from email.charset import QP, Charset
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, formataddr, make_msgid

from hoppid.notifications.delivery.rules import (
    RejectedError,
    TransientSendError,
    UnknownOutcomeError,
    smtp_reply_error,
)
from hoppid.notifications.settings import SmtpServer
from hoppid.shared.clock import real_now


class _WirePolicy(Compat32):
    """The classic policy with CRLF lines and no ">From " mangling (the bodies are quoted-
    printable or base64), writing each header as it was set: plain ASCII, on one line (a
    Message-ID is longer than 78 characters, and folding it only adds a space to what a reader
    sees), or already encoded and folded (see :func:`_header_text`)."""

    def fold_binary(self, name: str, value: str) -> bytes:
        if isinstance(value, str) and value.isascii() and len(name) + len(value) < 996:
            return f"{name}: {value}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)


_WIRE = _WirePolicy(linesep="\r\n", mangle_from_=False)
_UTF8_QP = Charset("utf-8")
_UTF8_QP.body_encoding = QP
_UTF8_QP.header_encoding = QP
_LINE_BREAKS = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Email:
    sender_name: str
    sender_address: str
    reply_to: str
    to: str
    subject: str
    text: str
    html: str
    language: str
    delivery_id: str  # becomes the Message-ID, so a copy can be recognised downstream
    calendar: str | None = None  # an iCalendar file (CRLF lines) to attach
    calendar_method: str | None = None  # its METHOD (REQUEST, CANCEL): also a MIME parameter


def message_bytes(email: Email) -> bytes:
    """The message as sent: headers, the text and HTML alternatives, the calendar file."""
    if not (email.to + email.reply_to + email.sender_address).isascii():
        # addresses outside ASCII: the email package's header registry encodes them
        return _registry_message(email).as_bytes(policy=SMTP_POLICY)
    return _classic_message(email).as_bytes(policy=_WIRE)


def _classic_message(email: Email) -> Message:
    """multipart/alternative (text, HTML), inside multipart/mixed with the calendar file."""
    body = MIMEMultipart("alternative")
    body.attach(_text_part(email.text, "plain"))
    body.attach(_text_part(_html_document(email), "html"))
    message = body
    if email.calendar is not None:
        message = MIMEMultipart("mixed")
        message.attach(body)
        message.attach(_calendar_part(email.calendar, email.calendar_method or "REQUEST"))
    message["From"] = formataddr((_one_line(email.sender_name), email.sender_address), "utf-8")
    message["To"] = _one_line(email.to)
    if email.reply_to:
        message["Reply-To"] = _one_line(email.reply_to)
    message["Subject"] = _header_text("Subject", _one_line(email.subject))
    message["Message-ID"] = make_msgid(idstring=email.delivery_id, domain="hoppid")
    message["Date"] = format_datetime(real_now())
    message["Content-Language"] = email.language
    return message


def _text_part(text: str, subtype: str) -> MIMENonMultipart:
    """UTF-8, quoted-printable (readable where it is ASCII), as ``set_content`` makes it."""
    part = MIMENonMultipart("text", subtype, charset="utf-8")
    part.set_payload(_lines(text), _UTF8_QP)
    return part


def _header_text(name: str, value: str) -> str:
    """The value as it goes on the wire: as it is when ASCII, else encoded words (RFC 2047),
    folded to lines of at most 76 characters."""
    if value.isascii():
        return value
    return Header(value, _UTF8_QP, header_name=name).encode(linesep="\r\n")


def _calendar_part(calendar: str, method: str) -> MIMEBase:
    """The invitation as text/calendar with its method; base64 keeps its CRLF lines intact."""
    part = MIMEBase("text", "calendar", method=method, charset="utf-8")
    part.set_payload(calendar.encode())
    encoders.encode_base64(part)
    filename = "invite.ics" if method != "CANCEL" else "cancel.ics"
    part.add_header("Content-Disposition", "attachment", filename=filename)
    return part


def _lines(text: str) -> str:
    """One line ending throughout, and a last line that ends (as ``set_content`` makes it)."""
    text = _LINE_BREAKS.sub("\n", text)
    return text if text.endswith("\n") else text + "\n"


def _one_line(value: str) -> str:
    if "\r" in value or "\n" in value:
        raise ValueError("Header values may not contain linefeed or carriage return characters")
    return value


def _registry_message(email: Email) -> EmailMessage:
    message = EmailMessage()
    message["From"] = Address(email.sender_name, addr_spec=email.sender_address)
    message["To"] = email.to
    if email.reply_to:
        message["Reply-To"] = email.reply_to
    message["Subject"] = email.subject
    message["Message-ID"] = make_msgid(idstring=email.delivery_id, domain="hoppid")
    message["Date"] = format_datetime(real_now())
    message.set_content(email.text)
    message.add_alternative(_html_document(email), subtype="html")
    if email.calendar is not None:
        method = email.calendar_method or "REQUEST"
        message.add_attachment(
            email.calendar.encode(),
            maintype="text",
            subtype="calendar",
            filename="invite.ics" if method != "CANCEL" else "cancel.ics",
            params={"method": method, "charset": "utf-8"},
        )
    # after the parts: making the message multipart moves Content-* headers into its first part
    message["Content-Language"] = email.language
    return message


def _html_document(email: Email) -> str:
    return (
        f'<!doctype html>\n<html lang="{email.language}"><head><meta charset="utf-8"></head>'
        f"<body>\n{email.html}\n</body></html>\n"
    )


async def send_email(server: SmtpServer, email: Email) -> None:
    """Hand the message to the server over a connection of its own, closed afterwards; raises
    a SendError subclass when it is not accepted."""
    data = message_bytes(email)
    await asyncio.to_thread(_send_once, server, email.sender_address, email.to, data)


def _send_once(server: SmtpServer, sender: str, to: str, data: bytes) -> None:
    _close(_deliver(server, None, sender, to, data))


ServerKey = tuple[str, int, bool, str, str, float]


class SmtpSender:
    """Sends mail like :func:`send_email`, keeping connections open for the next messages.

    Connections are taken and given back on the event loop's thread and used by one worker
    thread at a time. One idle longer than ``max_idle_seconds`` is closed instead of used (a
    server drops idle clients after a while; one that did so sooner is found out anyway, see
    :func:`_deliver`); at most ``max_kept`` are kept per server."""

    def __init__(
        self,
        max_idle_seconds: float = 30.0,
        max_kept: int = 16,
        monotonic: Callable[[], float] = time.monotonic,  # an interval clock, not the wall clock
    ) -> None:
        self.max_idle_seconds = max_idle_seconds
        self.max_kept = max_kept
        self._monotonic = monotonic
        self._kept: dict[ServerKey, list[tuple[float, smtplib.SMTP]]] = {}

    async def __call__(self, server: SmtpServer, email: Email) -> None:
        data = message_bytes(email)
        key = _key(server)
        kept = self._take(key)
        smtp = await asyncio.to_thread(_deliver, server, kept, email.sender_address, email.to, data)
        idle = self._kept.setdefault(key, [])
        if len(idle) < self.max_kept:
            idle.append((self._monotonic(), smtp))
        else:
            await asyncio.to_thread(_close, smtp)

    def _take(self, key: ServerKey) -> smtplib.SMTP | None:
        idle = self._kept.get(key, [])
        while idle:
            since, smtp = idle.pop()  # the most recently used first
            if self._monotonic() - since < self.max_idle_seconds:
                return smtp
            smtp.close()  # no QUIT: it is likely closed at the other end already
        return None

    async def close(self) -> None:
        """Say goodbye on every kept connection (at shutdown)."""
        kept = [smtp for idle in self._kept.values() for _, smtp in idle]
        self._kept.clear()
        for smtp in kept:
            await asyncio.to_thread(_close, smtp)


def _key(server: SmtpServer) -> ServerKey:
    return (
        server.host,
        server.port,
        server.starttls,
        server.username,
        server.password.get_secret_value(),
        server.timeout_seconds,
    )


def _deliver(
    server: SmtpServer, kept: smtplib.SMTP | None, sender: str, to: str, data: bytes
) -> smtplib.SMTP:
    """Send over ``kept`` if it still answers, else over a new connection; the connection,
    open, for the next message. Any failure closes it and raises a SendError."""
    if kept is not None:
        try:
            if _mail_from(kept, sender, fresh=False):
                _rest(kept, to, data)
                return kept
        except BaseException:
            _close(kept)
            raise
        _close(kept)  # the server hung up while it was kept: nothing of the message was sent
    try:
        smtp = smtplib.SMTP(server.host, server.port, timeout=server.timeout_seconds)
    except (OSError, smtplib.SMTPException) as error:
        raise TransientSendError(f"connect_{type(error).__name__}") from error
    try:
        _greet(smtp, server)
        _mail_from(smtp, sender, fresh=True)
        _rest(smtp, to, data)
    except BaseException:
        _close(smtp)
        raise
    return smtp


def _close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


def _greet(smtp: smtplib.SMTP, server: SmtpServer) -> None:
    with _before_the_text():
        smtp.ehlo()
        if server.starttls:
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if server.username:
            smtp.login(server.username, server.password.get_secret_value())


def _mail_from(smtp: smtplib.SMTP, sender: str, *, fresh: bool) -> bool:
    """MAIL FROM. On a kept connection, False when the server has hung up meanwhile (closed,
    or 421 said while it was idle): the message then goes over a new one."""
    if not fresh:
        try:
            code, _ = smtp.mail(sender)
        except (OSError, smtplib.SMTPServerDisconnected):
            return False
        if code == 421:
            return False
        if code != 250:
            raise smtp_reply_error(code, "mail_from")
        return True
    with _before_the_text():
        code, _ = smtp.mail(sender)
        if code != 250:
            raise smtp_reply_error(code, "mail_from")
    return True


def _rest(smtp: smtplib.SMTP, to: str, data: bytes) -> None:
    with _before_the_text():
        code, _ = smtp.rcpt(to)
        if code not in (250, 251):
            raise smtp_reply_error(code, "rcpt_to")
    try:
        smtp.data(data)
    except smtplib.SMTPDataError as error:  # an explicit refusal: not accepted
        raise smtp_reply_error(error.smtp_code, "data") from error
    except (OSError, smtplib.SMTPException) as error:
        raise UnknownOutcomeError(f"data_{type(error).__name__}") from error


@contextmanager
def _before_the_text() -> Iterator[None]:
    """Everything before the text is safe to repeat, so failures there are retried (unreachable,
    4xx) or rejected (5xx, a setting to fix): smtplib's exceptions as SendErrors."""
    try:
        yield
    except smtplib.SMTPNotSupportedError as error:  # e.g. no STARTTLS: a setting to fix
        raise RejectedError("not_supported") from error
    except smtplib.SMTPAuthenticationError as error:
        raise RejectedError(f"auth_{error.smtp_code}") from error
    except smtplib.SMTPResponseException as error:
        raise smtp_reply_error(error.smtp_code, "smtp") from error
    except (OSError, smtplib.SMTPException) as error:
        raise TransientSendError(f"session_{type(error).__name__}") from error
