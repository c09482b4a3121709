"""Mail over SMTP: a MIME message with plain-text and HTML parts, handed to a server.

stdlib ``smtplib`` in a worker thread (``asyncio.to_thread``): one connection per message is
plenty for an office's volume and needs no extra dependency. Every failure is classified
(hoppid.notifications.model): before the text is sent, a failure is transient (unreachable,
4xx) or a rejection (5xx); once the text is out, a broken connection is an *unknown outcome*
and is never retried, so a message is sent at most once.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, make_msgid

from hoppid.notifications.model import (
    RejectedError,
    TransientSendError,
    UnknownOutcomeError,
    smtp_reply_error,
)
from hoppid.notifications.settings import SmtpServer
from hoppid.shared.clock import real_now


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


def mime_message(email: Email) -> EmailMessage:
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
        _attach_calendar(message, email.calendar, email.calendar_method or "REQUEST")
    # after the parts: making the message multipart moves Content-* headers into its first part
    message["Content-Language"] = email.language
    return message


def _attach_calendar(message: EmailMessage, calendar: str, method: str) -> None:
    """The invitation as text/calendar with its method; base64 keeps its CRLF lines intact."""
    message.add_attachment(
        calendar.encode(),
        maintype="text",
        subtype="calendar",
        filename="invite.ics" if method != "CANCEL" else "cancel.ics",
        params={"method": method, "charset": "utf-8"},
    )


def _html_document(email: Email) -> str:
    return (
        f'<!doctype html>\n<html lang="{email.language}"><head><meta charset="utf-8"></head>'
        f"<body>\n{email.html}\n</body></html>\n"
    )


async def send_email(server: SmtpServer, email: Email) -> None:
    """Hand the message to the server; raises a SendError subclass when it is not accepted."""
    message = mime_message(email)
    await asyncio.to_thread(_send, server, email.sender_address, email.to, message)


def _send(server: SmtpServer, sender: str, to: str, message: EmailMessage) -> None:
    try:
        smtp = smtplib.SMTP(server.host, server.port, timeout=server.timeout_seconds)
    except (OSError, smtplib.SMTPException) as error:
        raise TransientSendError(f"connect_{type(error).__name__}") from error
    try:
        _prepare(smtp, server, sender, to)
        _data(smtp, message)
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()


def _prepare(smtp: smtplib.SMTP, server: SmtpServer, sender: str, to: str) -> None:
    """Everything before the text: safe to repeat, so failures here are retried or rejected."""
    try:
        smtp.ehlo()
        if server.starttls:
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if server.username:
            smtp.login(server.username, server.password.get_secret_value())
        code, _ = smtp.mail(sender)
        if code != 250:
            raise smtp_reply_error(code, "mail_from")
        code, _ = smtp.rcpt(to)
        if code not in (250, 251):
            raise smtp_reply_error(code, "rcpt_to")
    except smtplib.SMTPNotSupportedError as error:  # e.g. no STARTTLS: a setting to fix
        raise RejectedError("not_supported") from error
    except smtplib.SMTPAuthenticationError as error:
        raise RejectedError(f"auth_{error.smtp_code}") from error
    except smtplib.SMTPResponseException as error:
        raise smtp_reply_error(error.smtp_code, "smtp") from error
    except (OSError, smtplib.SMTPException) as error:
        raise TransientSendError(f"session_{type(error).__name__}") from error


def _data(smtp: smtplib.SMTP, message: EmailMessage) -> None:
    try:
        smtp.data(message.as_bytes(policy=SMTP_POLICY))
    except smtplib.SMTPDataError as error:  # an explicit refusal: not accepted
        raise smtp_reply_error(error.smtp_code, "data") from error
    except (OSError, smtplib.SMTPException) as error:
        raise UnknownOutcomeError(f"data_{type(error).__name__}") from error
