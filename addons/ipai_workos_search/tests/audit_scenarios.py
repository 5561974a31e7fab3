"""Audit scenarios for this module's write services (see ipai_platform_audit's test_every_service_is_audited).
Index updates made for other modules' writes are derived data, recorded by those writes' own events."""

from ipai_workos_search import services

SCENARIOS = {
    "reindex": (lambda w: services.reindex(w.root), "search.reindex"),
}
