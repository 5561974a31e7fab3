"""Many new pages at once (``create_page_tree``, what an import makes): the same pages, places, versions, audit
events and permission checks as one ``create_page`` each."""

import pytest

from ipai_platform_audit.models import AuditEvent
from ipai_workos_core import services
from ipai_workos_core.models import Page, PageVersion
from workos.kernel.errors import InvalidInput, PermissionDenied


def test_a_tree_of_new_pages_lands_after_the_existing_siblings_in_the_given_order(tree):
    before = AuditEvent.objects.filter(action="page.create").count()

    made = services.create_page_tree(tree.admin, space=tree.space, nodes=[
        (None, "Top A"), (0, "A child 1"), (1, "A grandchild"), (0, "A child 2"), (tree.page, "Under handbook"), (None, "Top B")])

    assert [page.title for page in made] == ["Top A", "A child 1", "A grandchild", "A child 2", "Under handbook", "Top B"]
    assert [page.parent_id for page in made] == [None, made[0].pk, made[1].pk, made[0].pk, tree.page.pk, None]
    top = list(Page.objects.filter(space=tree.space, parent__isnull=True).order_by("rank").values_list("title", flat=True))
    assert top == ["Handbook", "Top A", "Top B"]
    under = list(Page.objects.filter(parent=tree.page).order_by("rank").values_list("title", flat=True))
    assert under == ["Onboarding", "Under handbook"]
    assert list(Page.objects.filter(parent=made[0]).order_by("rank").values_list("title", flat=True)) == ["A child 1", "A child 2"]
    assert PageVersion.objects.filter(page__in=made, number=1).count() == 6
    assert AuditEvent.objects.filter(action="page.create").count() == before + 6


def test_a_tree_needs_the_right_to_add_where_it_goes_and_writes_nothing_otherwise(tree, people):
    count = Page.objects.count()

    with pytest.raises(PermissionDenied):
        services.create_page_tree(people.viewer, nodes=[(tree.page, "Mine"), (0, "Below")])
    with pytest.raises(InvalidInput):
        services.create_page_tree(tree.admin, space=tree.space, nodes=[(None, "Top"), (5, "Dangling")])

    assert Page.objects.count() == count
