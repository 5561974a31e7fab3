"""The request memo (issue 19): the permission walks of one request share the user's grants, roles and scope
objects until the request changes data — however it changes it: a model's save, a queryset's update(), raw SQL.
The oracle is a fresh walk outside any request (no memo), compared after each change."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import RequestFactory

from ipai_platform_permissions import services as permissions
from ipai_platform_permissions.models import Permission
from ipai_workos_core.models import Page
from workos.kernel.context import request_changes, request_scope


def _walk_statements(check) -> int:
    """How many statements a permission check runs (the walk's reads)."""
    statements = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        check()
    return len(statements)


@pytest.fixture
def member(tree, make_user, member_of):
    return member_of(make_user(), "member")


@pytest.mark.parametrize("method", ["get", "post", "patch"])
def test_checks_of_one_request_share_one_walk_until_it_changes_data(tree, member, method):
    request = getattr(RequestFactory(), method)("/")
    page = Page.objects.get(pk=tree.subpage.pk)  # loaded without its parents: the walk reads them
    with request_scope(request):
        assert _walk_statements(lambda: permissions.require(member, "read", page)) > 0
        assert _walk_statements(lambda: permissions.require(member, "edit", page)) == 0  # the same walk
        assert request_changes() == 0


@pytest.mark.parametrize("change", ["update", "raw", "save"])
def test_a_change_made_in_the_request_ends_the_memo(tree, member, change):
    """Restricting the page's parent without a model signal (``update()``, raw SQL) must be seen by the next check
    of the same request, as a ``save()`` is."""
    request = RequestFactory().post("/")
    page = Page.objects.get(pk=tree.subpage.pk)
    with request_scope(request):
        assert permissions.can(member, "read", page)
        if change == "update":
            Page.objects.filter(pk=tree.page.pk).update(restricted=True)
        elif change == "raw":
            with connection.cursor() as cursor:
                cursor.execute(f"UPDATE {Page._meta.db_table} SET restricted = %s WHERE id = %s", [True, tree.page.pk])
        else:
            parent = Page.objects.get(pk=tree.page.pk)
            parent.restricted = True
            parent.save(update_fields=["restricted"])
        assert request_changes() >= 1
        seen_in_request = permissions.can(member, "read", Page.objects.get(pk=tree.subpage.pk))
    assert seen_in_request is False
    assert permissions.can(member, "read", Page.objects.get(pk=tree.subpage.pk)) is False  # the oracle: no memo


def test_a_grant_removed_by_a_queryset_delete_is_seen_by_the_next_check(tree, member):
    permissions.grant(tree.admin, tree.page, "none", user_id=member.pk)
    Permission.objects.filter(user=member).delete()  # outside the request: the member reads the page again
    permissions.grant(tree.admin, tree.page, "view", user_id=member.pk)
    request = RequestFactory().post("/")
    with request_scope(request):
        assert permissions.level_of(member, tree.subpage) == "view"
        Permission.objects.filter(user=member).update(level="none")
        in_request = permissions.level_of(member, tree.subpage)
    assert in_request == permissions.level_of(member, tree.subpage) == "none"


def test_a_read_inside_a_transaction_is_not_a_change(tree, member):
    """Beginning a transaction or a savepoint changes nothing the walk read: the memo stays."""
    from django.db import transaction

    request = RequestFactory().post("/")
    with request_scope(request):
        permissions.require(member, "read", tree.subpage)
        with transaction.atomic():
            with transaction.atomic():
                assert _walk_statements(lambda: permissions.require(member, "edit", tree.subpage)) == 0
        assert request_changes() == 0


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_is_not_seen_after_the_rollback(tree, member):
    """A request that restricts a page and then fails rolls the restriction back: a check after that answers as
    the database does again (the memo worked out inside the failed transaction saw the restriction). Outside a
    test's transaction, so that the failed block is a real transaction and its end a real ROLLBACK."""
    from django.db import transaction

    request = RequestFactory().post("/")
    with request_scope(request):
        assert permissions.can(member, "read", tree.subpage)
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                Page.objects.filter(pk=tree.page.pk).update(restricted=True)
                assert permissions.can(member, "read", Page.objects.get(pk=tree.subpage.pk)) is False
                raise RuntimeError("the write fails after the check")
        after_rollback = permissions.can(member, "read", Page.objects.get(pk=tree.subpage.pk))
    assert after_rollback is permissions.can(member, "read", Page.objects.get(pk=tree.subpage.pk)) is True
