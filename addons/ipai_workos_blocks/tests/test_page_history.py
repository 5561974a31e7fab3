"""A document save through the editor's endpoint is a version in the page's history, and restoring it brings
the blocks back."""

from ipai_workos_blocks import services
from ipai_workos_core import services as core


def text(value):
    return {"text": [{"text": value}]}


def test_document_saves_become_versions_that_restore(tree, make_user, member_of):
    editor = member_of(make_user(), "member")
    services.replace_document(tree.admin, tree.page, [{"type": "paragraph", "content": text("first draft")}], base_version=0)
    first = core.versions_of(tree.admin, tree.page).first().number
    # another editor's save is a new version (the same user within a minute would update theirs)
    services.replace_document(editor, tree.page, [{"type": "heading_1", "content": text("rewritten")}],
                              base_version=services.document_version(tree.page))
    assert core.versions_of(tree.admin, tree.page).first().number > first

    core.restore_version(tree.admin, tree.page, first)

    document = services.document(tree.page)
    assert [block["type"] for block in document] == ["paragraph"]
    assert document[0]["content"]["text"][0]["text"] == "first draft"
