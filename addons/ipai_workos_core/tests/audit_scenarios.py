"""Audit scenarios for this module's write services (see ipai_platform_audit's test_every_service_is_audited)."""

from datetime import timedelta

from django.utils import timezone

from ipai_workos_core import services
from ipai_workos_core.scopes import SPACE


def _archived_page(w):
    return services.archive_page(w.tree.admin, services.create_page(w.tree.admin, space=w.tree.space, title="Old"))


def _purged(w):
    _archived_page(w)
    return services.purge_trash(None, days=0, now=timezone.now() + timedelta(days=1))


def _favorite_moved(w):
    services.add_favorite(w.member, w.tree.page)
    services.add_favorite(w.member, w.tree.subpage)
    return services.move_favorite(w.member, w.tree.subpage.pk, after_id=None)


def _favorite_removed(w):
    services.add_favorite(w.member, w.tree.page)
    services.remove_favorite(w.member, w.tree.page.pk)


def _group(w):
    return services.create_group(w.tree.admin, w.tree.workspace, "Design")


def _group_with_member(w):
    group = _group(w)
    services.add_group_member(w.tree.admin, group, w.member.pk)
    return group


def _invitation(w):
    return services.create_invitation(w.tree.admin, w.tree.workspace, "invited@example.com", "member")


def _signed_up(w):
    token = _invitation(w)[1]
    return services.sign_up_with_invitation(token, "invited", "a-long-enough-passphrase-7")


SCENARIOS = {
    "create_workspace": (lambda w: services.create_workspace(w.member, "Side project"), "workspace.create"),
    "update_workspace": (lambda w: services.update_workspace(w.tree.admin, w.tree.workspace, name="Acme 2"), "workspace.update"),
    "delete_workspace": (lambda w: services.delete_workspace(w.tree.admin, w.tree.workspace), "workspace.delete"),
    "add_member": (lambda w: services.add_member(w.tree.admin, w.tree.workspace, w.make_user().pk, "guest"), "workspace.member_add"),
    "change_member_role": (lambda w: services.change_member_role(w.tree.admin, w.tree.workspace, w.member.pk, "guest"), "workspace.member_role"),
    "remove_member": (lambda w: services.remove_member(w.tree.admin, w.tree.workspace, w.member.pk), "workspace.member_remove"),
    "create_space": (lambda w: services.create_space(w.member, w.tree.workspace, "Design"), "space.create"),
    "update_space": (lambda w: services.update_space(w.tree.admin, w.tree.space, visibility="public"), "space.update"),
    "delete_space": (lambda w: services.delete_space(w.tree.admin, w.tree.space), "space.delete"),
    "create_page": (lambda w: services.create_page(w.member, parent=w.tree.page, title="Notes"), "page.create"),
    "create_contained_pages": (lambda w: services.create_contained_pages(w.tree.admin, space=w.tree.space, titles=["A", "B"],
                                                                         container=(SPACE, w.tree.space.pk)), "page.create"),
    "create_page_tree": (lambda w: services.create_page_tree(w.tree.admin, space=w.tree.space, nodes=[(None, "A"), (0, "A.1")]),
                         "page.create"),
    "update_page": (lambda w: services.update_page(w.member, w.tree.page, title="Renamed"), "page.update"),
    "archive_page": (lambda w: services.archive_page(w.member, w.tree.subpage), "page.archive"),
    "restore_page": (lambda w: services.restore_page(w.tree.admin, _archived_page(w)), "page.restore"),
    "archive_pages": (lambda w: services.archive_pages(w.member, [w.tree.subpage]), "page.archive"),
    "restore_pages": (lambda w: services.restore_pages(w.tree.admin, [_archived_page(w)]), "page.restore"),
    "delete_page": (lambda w: services.delete_page(w.tree.admin, _archived_page(w)), "page.delete"),
    "move_page": (lambda w: services.move_page(w.member, w.tree.subpage, parent=None), "page.move"),
    "duplicate_page": (lambda w: services.duplicate_page(w.member, w.tree.page), "page.duplicate"),
    "purge_trash": (_purged, "page.purge"),
    "set_trash_retention": (lambda w: services.set_trash_retention(w.root, 7), "trash.retention"),
    "add_favorite": (lambda w: services.add_favorite(w.member, w.tree.page), "favorite.add"),
    "remove_favorite": (_favorite_removed, "favorite.remove"),
    "move_favorite": (_favorite_moved, "favorite.move"),
    "record_visit": (lambda w: services.record_visit(w.member, w.tree.page), "page.visit"),
    "record_version": (lambda w: services.record_version(w.member, w.tree.page, {"note": "saved"}), "page.version"),
    "restore_version": (lambda w: services.restore_version(w.member, w.tree.page, 1), "page.version_restore"),
    "set_restricted": (lambda w: services.set_restricted(w.tree.admin, w.tree.page, True), "page.restrict"),
    "create_group": (_group, "workspace.group_create"),
    "rename_group": (lambda w: services.rename_group(w.tree.admin, _group(w), "Designers"), "workspace.group_rename"),
    "delete_group": (lambda w: services.delete_group(w.tree.admin, _group(w)), "workspace.group_delete"),
    "add_group_member": (_group_with_member, "workspace.group_member_add"),
    "remove_group_member": (lambda w: services.remove_group_member(w.member, _group_with_member(w), w.member.pk), "workspace.group_member_remove"),
    "create_invitation": (_invitation, "invitation.create"),
    "revoke_invitation": (lambda w: services.revoke_invitation(w.tree.admin, _invitation(w)[0].pk), "invitation.revoke"),
    "resend_invitation": (lambda w: services.resend_invitation(w.tree.admin, _invitation(w)[0].pk), "invitation.resend"),
    "accept_invitation": (lambda w: services.accept_invitation(w.make_user(), _invitation(w)[1]), "invitation.accept"),
    "sign_up_with_invitation": (_signed_up, "invitation.accept"),
}
