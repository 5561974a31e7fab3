import pytest


@pytest.fixture
def team(tree, make_user, member_of):
    """The tree's workspace with a writer (member), two reviewers (members), a guest and an outsider."""
    from types import SimpleNamespace

    writer = member_of(make_user("writer"), "member")
    ana = member_of(make_user("ana"), "member")
    bob = member_of(make_user("bob"), "member")
    guest = member_of(make_user("guest"), "guest")
    outsider = make_user("outsider")
    return SimpleNamespace(tree=tree, writer=writer, ana=ana, bob=bob, guest=guest, outsider=outsider, admin=tree.admin)


@pytest.fixture
def with_workflow(team):
    from ipai_workos_affine import services

    services.set_page_workflow(team.admin, team.tree.workspace, True)
    return team


def write_blocks(user, page, *texts):
    from ipai_workos_blocks import services as blocks

    items = [{"type": "paragraph", "content": {"text": [{"text": text}]}} for text in texts]
    blocks.replace_document(user, page, items, base_version=blocks.document_version(page))
