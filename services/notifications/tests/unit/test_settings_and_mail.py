from dataclasses import replace
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

from hoppid.notifications.delivery.mail import Email, message_bytes
from hoppid.notifications.delivery.mailbox import reading as mailbox
from hoppid.notifications.delivery.mailbox.devmail import keep
from hoppid.notifications.settings import NotificationsSettings
from hoppid.shared.settings import SettingsError, load_settings

EMAIL = Email(
    sender_name="Nordveggen Næringshage",
    sender_address="no-reply@hoppid.example",
    reply_to="post@nordveggen.example",
    to="kari@example.no",
    subject="Vi har fått førespurnaden din",
    text="Hei Kari,\nlenkje: http://x/tok",
    html="<p>Hei Kari</p>",
    language="nn",
    delivery_id="d1",
)


def test_defaults_start_without_any_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings(NotificationsSettings)
    assert (settings.smtp_host, settings.smtp_port, settings.http_port) == ("127.0.0.1", 1025, 8003)
    assert settings.dev_mailbox is False and settings.office_templates_dir is None


def test_the_dev_mailbox_is_refused_beyond_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """It holds every person's link: only the local stack (a service on loopback) may turn it
    on; an image, compose or k8s listens on 0.0.0.0 and stops at start instead (issue 13)."""
    monkeypatch.setenv("HOPPID_NOTIFICATIONS_DEV_MAILBOX", "true")
    for host in ("127.0.0.1", "::1", "localhost"):
        monkeypatch.setenv("HOPPID_HTTP_HOST", host)
        assert load_settings(NotificationsSettings).dev_mailbox is True
    for host in ("0.0.0.0", "10.0.0.5", "notifications"):
        monkeypatch.setenv("HOPPID_HTTP_HOST", host)
        with pytest.raises(SettingsError, match=r"HOPPID_NOTIFICATIONS_DEV_MAILBOX.*local stack"):
            load_settings(NotificationsSettings)
    monkeypatch.setenv("HOPPID_NOTIFICATIONS_DEV_MAILBOX", "false")
    assert load_settings(NotificationsSettings).dev_mailbox is False  # off: any host


def test_the_admin_key_is_long_enough_or_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOPPID_NOTIFICATIONS_ADMIN_KEY", "short")
    with pytest.raises(SettingsError, match="HOPPID_NOTIFICATIONS_ADMIN_KEY"):
        load_settings(NotificationsSettings)


def test_an_office_may_have_its_own_smtp_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "HOPPID_NOTIFICATIONS_OFFICE_SMTP",
        '{"nordveggen": {"host": "smtp.rauma.example", "port": 587, "starttls": true,'
        ' "username": "u", "password": "p"}}',
    )
    monkeypatch.setenv("HOPPID_NOTIFICATIONS_SENDER_ADDRESS", "post@hoppid.example")
    settings = load_settings(NotificationsSettings)
    own = settings.smtp_for("nordveggen")
    assert (own.host, own.port, own.starttls, own.username) == (
        "smtp.rauma.example",
        587,
        True,
        "u",
    )
    assert own.password.get_secret_value() == "p"
    assert own.from_address == "post@hoppid.example"
    assert settings.smtp_for("molde").host == "127.0.0.1"


def test_bad_settings_name_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOPPID_NOTIFICATIONS_SMS_QUIET_FROM", "25")
    with pytest.raises(SettingsError, match="HOPPID_NOTIFICATIONS_SMS_QUIET_FROM"):
        load_settings(NotificationsSettings)


def test_mail_has_text_and_html_parts_from_the_office() -> None:
    raw = message_bytes(EMAIL)
    parsed = BytesParser(policy=policy.default).parsebytes(raw)
    assert parsed["From"].addresses[0].display_name == "Nordveggen Næringshage"
    assert parsed["Reply-To"] == "post@nordveggen.example"
    assert parsed["Subject"] == "Vi har fått førespurnaden din"
    assert parsed["Content-Language"] == "nn"
    assert parsed.get_body(("plain",)).get_content().startswith("Hei Kari")
    assert "<p>Hei Kari</p>" in parsed.get_body(("html",)).get_content()


def test_the_dev_mailbox_keeps_and_reads_messages(tmp_path: Path) -> None:
    raw = message_bytes(EMAIL)
    path = keep(tmp_path, ["kari@example.no"], raw)
    assert mailbox.message_ids(tmp_path) == [path.stem]
    found = mailbox.full(tmp_path, path.stem)
    assert found is not None
    assert found["envelope_to"] == ["kari@example.no"]
    assert found["subject"] == EMAIL.subject and found["text"].startswith("Hei Kari")
    assert mailbox.full(tmp_path, "missing") is None
    assert mailbox.message_ids(tmp_path / "nothing-yet") == []


def test_the_dev_mailbox_lists_by_recipient_newest_first_and_sees_new_and_deleted_ones(
    tmp_path: Path,
) -> None:
    summaries = mailbox.Summaries(tmp_path)
    first = keep(tmp_path, ["kari@example.no"], message_bytes(EMAIL))
    keep(tmp_path, ["ola@example.no"], message_bytes(replace(EMAIL, to="ola@example.no")))
    assert [m["id"] for m in summaries.newest_first("KARI@example.no")] == [first.stem]
    again = keep(tmp_path, ["kari@example.no"], message_bytes(replace(EMAIL, delivery_id="d2")))
    assert [m["id"] for m in summaries.newest_first("kari@example.no")] == sorted(
        [again.stem, first.stem], reverse=True
    )
    assert len(summaries.newest_first(limit=2)) == 2 and len(summaries.newest_first()) == 3
    first.unlink()
    assert [m["id"] for m in summaries.newest_first("kari@example.no")] == [again.stem]
