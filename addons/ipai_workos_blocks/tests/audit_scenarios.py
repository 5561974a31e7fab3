"""Audit scenarios for this module's write services (see ipai_platform_audit's test_every_service_is_audited)."""

from ipai_workos_blocks import services

PARAGRAPH = {"text": [{"text": "Hello"}]}


def _block(w):
    return services.create_block(w.tree.admin, w.tree.page, type="paragraph", content=PARAGRAPH)


def _stored_copy(w):
    original = services.upload_attachment(w.member, w.tree.page, "notes.txt", b"plain text", "text/plain")
    return services.attach_stored_file(w.member, w.tree.subpage, file=original.file.name, name=original.name,
                                       content_type=original.content_type, size=original.size, sha256=original.sha256)


SCENARIOS = {
    "create_block": (_block, "block.create"),
    "update_block": (lambda w: services.update_block(w.member, _block(w), content={"text": [{"text": "Changed"}]}), "block.update"),
    "anchor_comment": (lambda w: services.anchor_comment(w.member, _block(w), 0, 5, 1, text="Hello"), "block.anchor_comment"),
    "delete_block": (lambda w: services.delete_block(w.member, _block(w)), "block.delete"),
    "move_block": (lambda w: services.move_block(w.member, _block(w), page=w.tree.subpage), "block.move"),
    "replace_document": (lambda w: services.replace_document(w.member, w.tree.page, [{"type": "heading_1", "content": PARAGRAPH}],
                                                                  base_version=services.document_version(w.tree.page)), "blocks.replace"),
    "bulk": (lambda w: services.bulk(w.member, w.tree.page, [{"op": "create", "type": "divider", "content": {}}]), "blocks.bulk"),
    "upload_attachment": (lambda w: services.upload_attachment(w.member, w.tree.page, "notes.txt", b"plain text", "text/plain"), "attachment.upload"),
    "attach_stored_file": (_stored_copy, "attachment.copy"),
    "import_file": (lambda w: services.import_file(w.member, w.tree.space, "Imported.md", b"# Imported\\n\\nText\\n"), "blocks.import"),
}
