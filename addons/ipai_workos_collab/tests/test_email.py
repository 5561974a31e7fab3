"""Notices by e-mail: per preference, never to users without an address, failures retried, never breaking
the write; a real SMTP round trip against a local aiosmtpd server."""

from __future__ import annotations

import socket

import pytest
from django.core import mail

from ipai_workos_collab import services
from ipai_workos_collab.models import Notification

from .conftest import mention, text


@pytest.fixture
def commit_now(django_capture_on_commit_callbacks):
    """Run the on-commit callbacks (the e-mail send) of what the block does, as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_immediate_preference_sends_one_mail_per_notice_after_commit(tree, person, api_for, commit_now):
    ana = person("member")
    with commit_now():
        api_for(tree.admin).post("/comments", {"page_id": tree.page.pk, "body": mention(ana)})
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [ana.email] and "mentioned you" in message.subject
    assert f"/web/pages/{tree.page.pk}#comment-" in message.body
    assert Notification.objects.get(recipient=ana).email_state == "sent"


def test_never_and_no_address_get_no_mail(tree, person, commit_now):
    ana, bob = person("member"), person("member")
    services.set_preference(ana, "never")
    bob.email = ""
    bob.save()
    with commit_now():
        services.create_comment(tree.admin, tree.page, {"text": mention(ana)["text"] + mention(bob, " ")["text"]})
    assert mail.outbox == []
    assert set(Notification.objects.values_list("email_state", flat=True)) == {"skipped"}


def test_daily_digest_collects_notices_into_one_message(tree, person, commit_now):
    ana = person("member")
    services.set_preference(ana, "daily")
    with commit_now():
        services.create_comment(tree.admin, tree.page, mention(ana))
        services.create_comment(tree.admin, tree.subpage, mention(ana))
    assert mail.outbox == []  # waits for the digest
    assert services.send_pending(digest=True)["messages"] == 1
    assert len(mail.outbox) == 1 and "2 new notifications" in mail.outbox[0].subject
    assert services.send_pending(digest=True)["messages"] == 0


def test_bad_preference_is_refused(tree, api_for):
    answer = api_for(tree.admin).put("/notifications/email-preference", {"mode": "hourly"})
    assert answer.status_code == 422 and answer.json()["error"]["field"] == "mode"
    assert api_for(tree.admin).put("/notifications/email-preference", {"mode": "daily"}).json() == {"mode": "daily"}
    assert api_for(tree.admin).get("/notifications/email-preference").json() == {"mode": "daily"}


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_failed_send_keeps_the_comment_is_logged_and_retried(tree, person, api_for, settings, caplog, commit_now):
    ana = person("member")
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _closed_port(), 2
    with commit_now():
        answer = api_for(tree.admin).post("/comments", {"page_id": tree.page.pk, "body": mention(ana)})
    assert answer.status_code == 201
    notice = Notification.objects.get(recipient=ana)
    assert notice.email_state == "pending" and notice.email_attempts == 1
    assert "failed" in caplog.text
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert services.send_pending()["sent"] == 1
    assert len(mail.outbox) == 1


def test_real_smtp_round_trip(tree, person, settings, commit_now):
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received = []

    class Keep(Message):
        def handle_message(self, message):
            received.append(message)

    port = _closed_port()
    controller = Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        ana = person("member")
        with commit_now():
            services.create_comment(tree.admin, tree.page, mention(ana))
    finally:
        controller.stop()
    assert len(received) == 1
    assert received[0]["To"] == ana.email and "mentioned you" in received[0]["Subject"]
    assert Notification.objects.get(recipient=ana).email_state == "sent"


def test_send_emails_command_retries_failed_sends_over_smtp(site):
    """The operator's view: `[email]` from workos.toml, a send that fails while the SMTP server is down stays
    pending (exit 1), and the next run delivers it."""
    import json

    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    port = _closed_port()
    site.extra_config = f"""
[email]
backend = "smtp"
host = "127.0.0.1"
port = {port}
timeout = 3
from = "WorkOS <notices@example.com>"
base_url = "https://workos.example.com"
"""
    site.write_config()
    site.install("ipai_workos_collab")
    assert site.workos("user", "create", "ana", "--email", "ana@example.com").returncode == 0
    user_id = site.sql("SELECT id FROM auth_user WHERE username = 'ana'")[0][0]
    # the notice goes in through SQL: this test is about the command, not about who made the notice
    _insert_notice(site, user_id)

    down = site.workos("collab", "send-emails", "--json")
    assert down.returncode == 1, down.stderr
    assert json.loads(down.stdout)["failed"] == 1
    assert site.sql("SELECT email_state, email_attempts FROM ipai_workos_notification") == [("pending", 1)]

    received = []

    class Keep(Message):
        def handle_message(self, message):
            received.append(message)

    controller = Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        up = site.workos("collab", "send-emails", "--json")
    finally:
        controller.stop()
    assert up.returncode == 0, up.stderr
    assert json.loads(up.stdout)["sent"] == 1
    assert len(received) == 1 and received[0]["From"] == "WorkOS <notices@example.com>" and received[0]["To"] == "ana@example.com"
    assert "https://workos.example.com/web/inbox" in received[0].get_payload()
    assert site.sql("SELECT email_state FROM ipai_workos_notification") == [("sent",)]


def _insert_notice(site, user_id: int) -> None:
    statement = ("INSERT INTO ipai_workos_notification (recipient_id, kind, title, body, target_model, target_id, url, "
                 "email_state, email_attempts, created_at) VALUES "
                 f"({user_id}, 'mention', 'Bo mentioned you', '', '', '', '', 'pending', 0, CURRENT_TIMESTAMP)")
    if site.database_kind == "sqlite":
        import sqlite3

        connection = sqlite3.connect(site.database_url[len("sqlite:///"):])
        connection.execute(statement)
        connection.commit()
        connection.close()
    else:
        import psycopg

        with psycopg.connect(site.database_url, autocommit=True) as connection:
            connection.execute(statement)
