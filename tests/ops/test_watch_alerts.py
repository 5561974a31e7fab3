"""``workos watch`` alerts (issue 18 §2): a breach POSTed as JSON to ``[watch] webhook_url`` (a real HTTP server on
loopback started by the test) and mailed to ``[watch] email`` through Django's email framework with the ``[email]``
settings (the file backend); an alert that cannot be delivered is reported and never stops the watch.

The site is never deployed here: with no server on ``[deploy] base_url`` every check breaches."""

from __future__ import annotations

import email
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from workos.testing.pgcluster import free_port


class Hook:
    """A webhook receiver on a real loopback socket: keeps every POSTed body, answers ``status``."""

    def __init__(self, status: int = 204):
        received = self.received = []
        answer = status

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                received.append({"path": self.path, "content_type": self.headers.get("Content-Type"),
                                 "body": json.loads(self.rfile.read(length))})
                self.send_response(answer)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/workos"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook():
    receiver = Hook()
    yield receiver
    receiver.close()


def mails(folder: Path) -> list:
    """Every message Django's file backend wrote (one file per connection, messages separated by dashes)."""
    messages = []
    for path in sorted(folder.glob("*.log")):
        for chunk in path.read_text(encoding="utf-8").split("-" * 79):
            if chunk.strip():
                messages.append(email.message_from_string(chunk.strip()))
    return messages


def test_a_breach_is_posted_to_the_webhook_and_mailed_through_the_email_settings(deployment, hook):
    # given alerts to a webhook and two addresses, mail through the file backend, and no server answering
    outbox = deployment.root / "mail"
    deployment.extra_config = f"""
[watch]
webhook_url = "{hook.url}"
email = ["ops@example.test", "oncall@example.test"]

[email]
backend = "file"
file_path = "{outbox}"
from = "WorkOS watch <watch@example.test>"
"""
    deployment.write_config()

    # when watch checks once
    result = deployment.workos("watch", "--once", "--json")

    # then it exits 1 and both alerts went out, each carrying the breach
    assert result.returncode == 1, result.stdout + result.stderr
    check = json.loads(result.stdout)
    assert "GET /web/login" in check["breaches"]
    assert [(alert["channel"], alert["ok"]) for alert in check["alerts"]] == [("webhook", True), ("email", True)]
    assert len(hook.received) == 1
    posted = hook.received[0]
    assert posted["path"] == "/hooks/workos" and posted["content_type"] == "application/json"
    assert posted["body"]["environment"] == "prod" and posted["body"]["base_url"] == deployment.base_url
    assert posted["body"]["breaches"] == check["breaches"] and posted["body"]["at"] == check["at"]
    login = next(m for m in posted["body"]["measures"] if m["name"] == "GET /web/login")
    assert login["breached"] is True and deployment.base_url in login["detail"]
    [message] = mails(outbox)
    assert message["To"] == "ops@example.test, oncall@example.test"
    assert message["From"] == "WorkOS watch <watch@example.test>"
    assert message["Subject"].startswith("[WorkOS prod] watch: GET /web/login")
    body = message.get_payload(decode=True).decode()
    assert f"GET /web/login: - (threshold 200/303 in < 2000 ms) {deployment.base_url}/web/login" in body
    assert "ALERT webhook sent: POST " + hook.url + ": 204" in result.stderr
    journal = [json.loads(line) for line in (deployment.root / "var" / "watch.jsonl").read_text().splitlines()]
    assert journal[-1]["alerts"] == check["alerts"]


def test_alerts_that_cannot_be_delivered_are_reported_and_the_watch_still_checks_and_exits_on_the_breach(deployment):
    # given a webhook that refuses the POST (500), then one where nothing listens, and an SMTP server that is not there
    refusing = Hook(status=500)
    closed_port = free_port()
    try:
        deployment.extra_config = f"""
[watch]
webhook_url = "{refusing.url}"
email = ["ops@example.test"]

[email]
backend = "smtp"
host = "127.0.0.1"
port = {closed_port}
timeout = 5
"""
        deployment.write_config()

        # when watch checks once
        result = deployment.workos("watch", "--once", "--json")

        # then the check is complete and exits 1 for the breach; each failed alert is named, in the journal too
        assert result.returncode == 1, result.stdout + result.stderr
        check = json.loads(result.stdout)
        assert "GET /web/login" in check["breaches"] and "new log errors" in {m["name"] for m in check["measures"]}
        webhook, mail = check["alerts"]
        assert webhook["channel"] == "webhook" and webhook["ok"] is False and "500" in webhook["detail"]
        assert mail["channel"] == "email" and mail["ok"] is False and "Connection refused" in mail["detail"]
        assert len(refusing.received) == 1
        assert "ALERT webhook FAILED" in result.stderr and "ALERT email FAILED" in result.stderr
        journal = [json.loads(line) for line in (deployment.root / "var" / "watch.jsonl").read_text().splitlines()]
        assert journal[-1]["alerts"] == check["alerts"]
    finally:
        refusing.close()

    # when nothing listens on the webhook's port either, the watch still ends the same way
    deployment.extra_config = f'\n[watch]\nwebhook_url = "http://127.0.0.1:{closed_port}/hook"\n'
    deployment.write_config()
    result = deployment.workos("watch", "--once", "--json")
    assert result.returncode == 1, result.stdout + result.stderr
    [alert] = json.loads(result.stdout)["alerts"]
    assert alert["ok"] is False and alert["detail"].startswith("ConnectError")


def test_no_alert_channel_configured_sends_nothing(deployment, hook):
    result = deployment.workos("watch", "--once", "--json")
    assert result.returncode == 1
    assert json.loads(result.stdout)["alerts"] == [] and hook.received == []
