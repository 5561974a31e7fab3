"""Audit scenarios for this module's write services (see ipai_platform_audit's test_every_service_is_audited)."""

from ipai_workos_collab import services


def _comment(w, author=None):
    return services.create_comment(author or w.tree.admin, w.tree.page, {"text": [{"text": "hello"}]})[0]


def _read(w):
    _comment(w, w.member)
    return services.mark_read(w.tree.admin, services.inbox(w.tree.admin)["items"][0].pk)


def _archived(w):
    _comment(w, w.member)
    return services.archive(w.tree.admin, services.inbox(w.tree.admin)["items"][0].pk)


def _all_read(w):
    _comment(w, w.member)
    return services.mark_all_read(w.tree.admin)


SCENARIOS = {
    "create_comment": (lambda w: _comment(w), "comment.create"),
    "update_comment": (lambda w: services.update_comment(w.tree.admin, _comment(w).pk, {"text": [{"text": "v2"}]}), "comment.update"),
    "delete_comment": (lambda w: services.delete_comment(w.tree.admin, _comment(w).pk), "comment.delete"),
    "set_resolved": (lambda w: services.set_resolved(w.tree.admin, _comment(w).pk, True), "comment.resolve"),
    "react": (lambda w: services.react(w.tree.admin, _comment(w).pk, "👍"), "comment.react"),
    "set_following": (lambda w: services.set_following(w.tree.admin, w.tree.page, False), "collab.unfollow"),
    "mark_read": (_read, "notification.read"),
    "archive": (_archived, "notification.archive"),
    "mark_all_read": (_all_read, "notification.read_all"),
    "set_preference": (lambda w: services.set_preference(w.tree.admin, "daily"), "notification.email_preference"),
}
