"""Audit scenarios for this module's write services (see test_every_service_is_audited)."""

from datetime import timedelta

from django.utils import timezone

from ipai_platform_audit import services

SCENARIOS = {
    "record_event": (lambda w: services.record_event(actor=w.root, action="test.record"), "test.record"),
    "record_events": (lambda w: services.record_events(actor=w.root, events=[{"action": "test.bulk", "target": w.member}] * 2), "test.bulk"),
    "record_auth_event": (lambda w: services.record_auth_event("login", user=w.member), "auth.login"),
    "set_retention": (lambda w: services.set_retention(w.root, 30), "audit.retention"),
    "archive_events": (lambda w: services.archive_events(w.root, older_than_days=1, now=timezone.now() + timedelta(days=2)), "audit.archive"),
}
