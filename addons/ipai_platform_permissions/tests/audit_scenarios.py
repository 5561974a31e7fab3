"""Audit scenarios for this module's write services (see ipai_platform_audit's test_every_service_is_audited)."""

from ipai_platform_permissions import services


def _grant(w):
    return services.grant(w.tree.admin, w.tree.page, "view", user_id=w.member.pk)


def _share(w):
    return services.create_share_token(w.tree.admin, w.tree.page)[0]


SCENARIOS = {
    "grant": (lambda w: _grant(w), "permission.grant"),
    "update_grant": (lambda w: services.update_grant(w.tree.admin, _grant(w).pk, "edit"), "permission.update"),
    "revoke_grant": (lambda w: services.revoke_grant(w.tree.admin, _grant(w).pk), "permission.revoke"),
    "forget_objects": (lambda w: (_grant(w), services.forget_objects(w.tree.admin, [w.tree.page])), "permission.forget"),
    "create_share_token": (lambda w: _share(w), "share.create"),
    "revoke_share_token": (lambda w: services.revoke_share_token(w.tree.admin, _share(w).pk), "share.revoke"),
}
