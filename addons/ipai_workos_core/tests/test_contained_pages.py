"""Pages that belong to another object (a database row's page belongs to its database): they take their access
from that object, stay out of the tree, the page lists and the trash list, and are not moved or duplicated on
their own. Core knows the container only as a permission scope; a private space stands in for one here."""

import pytest

from ipai_workos_core import services
from ipai_workos_core.scopes import SPACE
from workos.kernel.errors import Conflict, NotFound


@pytest.fixture
def vault(tree):
    """A private space: only workspace admins (and explicit grants) get in."""
    return services.create_space(tree.admin, tree.workspace, "Vault", visibility="private")


def test_a_contained_page_takes_its_access_from_its_container(tree, people, vault):
    page = services.create_page(tree.admin, space=tree.space, title="Salaries", container=(SPACE, vault.pk))

    with pytest.raises(NotFound):
        services.get_page(people.editor, page.pk)  # the team space would let them in; the container does not
    assert services.get_page(tree.admin, page.pk) == page


def test_a_contained_page_stays_out_of_the_tree_and_the_page_lists(tree, vault):
    page = services.create_page(tree.admin, space=tree.space, title="Row page", container=(SPACE, vault.pk))

    tree_ids = [node["id"] for node in services.space_tree(tree.admin, tree.space)]
    listed = list(services.pages_for(tree.admin, space_id=tree.space.pk))

    assert page.pk not in tree_ids
    assert page not in listed
    assert tree.page.pk in tree_ids


def test_a_contained_page_is_not_moved_or_duplicated_on_its_own(tree, vault):
    page = services.create_page(tree.admin, space=tree.space, title="Row page", container=(SPACE, vault.pk))

    with pytest.raises(Conflict, match="belongs to a space"):
        services.move_page(tree.admin, page, parent=tree.page)
    with pytest.raises(Conflict, match="belongs to a space"):
        services.duplicate_page(tree.admin, page)


def test_adding_to_a_container_needs_edit_access_to_it(tree, people, vault):
    with pytest.raises(NotFound):
        services.create_page(people.editor, space=tree.space, title="Sneaky", container=(SPACE, vault.pk))
