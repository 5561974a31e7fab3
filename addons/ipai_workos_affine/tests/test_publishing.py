"""Publishing a page to the web: the stored snapshot at /p/<workspace-slug>/<page-slug>, the review policy, the
permission matrix, bad input and unpublishing."""

from __future__ import annotations

from django.test import Client

from ipai_platform_permissions import services as permissions
from ipai_workos_affine import services
from ipai_workos_affine.models import PagePublication, PublishedPage
from ipai_workos_core import services as core

from .conftest import write_blocks


def publish(api, page, **body):
    return api.put(f"/pages/{page.pk}/publication", body)


def public(path):
    return Client().get(path)


def test_published_page_is_a_snapshot_until_published_again(team, api_for):
    page, api = team.tree.page, api_for(team.admin)
    write_blocks(team.admin, page, "Version one")
    published = publish(api, page, slug="handbook", description="Our handbook", noindex=True)
    assert published.status_code == 200, published.content
    url = published.json()["url"]
    assert url == f"/p/{team.tree.workspace.slug}/handbook"

    write_blocks(team.admin, page, "Version two, not published")
    shown = public(url)
    html = shown.content.decode()
    assert shown.status_code == 200 and "Version one" in html and "Version two" not in html
    assert '<meta name="description" content="Our handbook">' in html and 'property="og:title" content="Handbook"' in html
    assert 'name="robots" content="noindex' in html and shown["X-Robots-Tag"].startswith("noindex")
    assert "<script" not in html  # no editor, no island

    publish(api, page)  # again: keeps the slug
    assert "Version two" in public(url).content.decode()


def test_subpages_are_published_with_the_page_and_a_private_sibling_is_not(team, api_for):
    tree = team.tree
    sibling = core.create_page(team.admin, parent=tree.page, title="Salaries")
    permissions.grant(team.admin, sibling, "none", user_id=team.writer.pk)
    write_blocks(team.admin, tree.subpage, "Welcome aboard")
    # the writer has full access on the handbook only
    permissions.grant(team.admin, tree.page, "manage", user_id=team.writer.pk)
    body = publish(api_for(team.writer), tree.page, slug="handbook", include_subpages=True).json()
    titles = [p["title"] for p in body["pages"]]
    assert titles == ["Handbook", "Onboarding"]
    sub_url = body["pages"][1]["url"]
    html = public(sub_url).content.decode()
    assert "Welcome aboard" in html and 'href="/p/' in html and "Salaries" not in html
    assert not PublishedPage.objects.filter(page=sibling).exists()


def test_unpublish_and_trash_take_the_public_copy_down_at_once(team, api_for):
    tree, api = team.tree, api_for(team.admin)
    url = publish(api, tree.page, slug="handbook", include_subpages=True).json()["url"]
    sub_url = api.get(f"/pages/{tree.page.pk}/publication").json()["pages"][1]["url"]

    core.archive_page(team.admin, tree.subpage)
    assert public(sub_url).status_code == 404 and public(url).status_code == 200

    assert api.delete(f"/pages/{tree.page.pk}/publication").status_code == 204
    assert public(url).status_code == 404
    assert api.get(f"/pages/{tree.page.pk}/publication").json()["state"] == "unpublished"
    assert api.delete(f"/pages/{tree.page.pk}/publication").status_code == 404

    publish(api, tree.page, slug="handbook")
    core.archive_page(team.admin, tree.page)
    assert public(url).status_code == 404


def test_publish_permission_matrix(team, api_for):
    page = team.tree.page
    assert publish(api_for(team.writer), page, slug="a").status_code == 403  # edit is not enough: needs full access
    assert publish(api_for(team.guest), page, slug="a").status_code == 404
    assert publish(api_for(team.outsider), page, slug="a").status_code == 404
    permissions.grant(team.admin, page, "manage", user_id=team.writer.pk)
    assert publish(api_for(team.writer), page, slug="a").status_code == 200
    assert api_for(team.ana).delete(f"/pages/{page.pk}/publication").status_code == 403
    assert api_for(team.writer).delete(f"/pages/{page.pk}/publication").status_code == 204


def test_bad_publish_input_is_refused_and_changes_nothing(team, api_for):
    tree, api = team.tree, api_for(team.admin)
    assert publish(api, tree.page, slug="Not A Slug").status_code == 422
    assert publish(api, tree.page, slug="x" * 65).status_code == 422
    assert publish(api, tree.page, description="d" * 301).status_code == 422
    assert publish(api, tree.subpage, slug="taken").status_code == 200
    clash = publish(api, tree.page, slug="taken")
    assert clash.status_code == 409 and clash.json()["error"]["code"] == "slug_taken"
    other = core.create_page(team.admin, space=tree.space, title="Other")
    core.archive_page(team.admin, other)
    assert publish(api, other, slug="other").json()["error"]["code"] == "page_trashed"
    assert not PagePublication.objects.filter(page__in=[tree.page, other]).exists()
    assert PublishedPage.objects.count() == 1


def test_review_required_blocks_publishing_until_approved_and_publishes_the_approved_version(team, api_for):
    tree = team.tree
    assert api_for(team.admin).patch(f"/workspaces/{tree.workspace.pk}/publishing", {"review_required": True}).status_code == 200
    write_blocks(team.admin, tree.page, "Reviewed text")
    refused = publish(api_for(team.admin), tree.page, slug="handbook")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "review_required"

    request = services.request_review(team.admin, tree.page, approver_ids=[team.ana.pk])
    services.decide_review(team.ana, request, "approve")
    write_blocks(team.admin, tree.page, "Edited after the review")
    body = publish(api_for(team.admin), tree.page, slug="handbook").json()

    html = public(body["url"]).content.decode()
    assert "Reviewed text" in html and "Edited after the review" not in html
    # a space may opt out of the workspace's policy
    assert api_for(team.admin).put(f"/spaces/{tree.space.pk}/publishing", {"review_required": False}).status_code == 200
    assert publish(api_for(team.admin), tree.page, slug="handbook").status_code == 200
    assert "Edited after the review" in public(body["url"]).content.decode()


def test_workflow_status_follows_the_publication(team, api_for):
    tree = team.tree
    services.set_page_workflow(team.admin, tree.workspace, True)
    request = services.request_review(team.writer, tree.page, approver_ids=[team.ana.pk])
    services.decide_review(team.ana, request, "approve")
    assert api_for(team.admin).post(f"/pages/{tree.page.pk}/status", {"to_state": "published"}).json()["error"]["code"] == "guard_refused"
    publish(api_for(team.admin), tree.page, slug="handbook")
    assert api_for(team.admin).get(f"/pages/{tree.page.pk}/status").json()["state"]["code"] == "published"
    api_for(team.admin).delete(f"/pages/{tree.page.pk}/publication")
    assert api_for(team.admin).get(f"/pages/{tree.page.pk}/status").json()["state"]["code"] == "approved"


def test_images_come_from_the_snapshot(team, api_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    tree, api = team.tree, api_for(team.admin)
    png = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
           b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
    uploaded = api.client.post(f"/api/v1/pages/{tree.page.pk}/attachments", {"file": SimpleUploadedFile("dot.png", png, "image/png")}, **api.headers)
    assert uploaded.status_code == 201, uploaded.content
    attachment_id = uploaded.json()["id"]
    from ipai_workos_blocks import services as blocks

    blocks.replace_document(team.admin, tree.page, [{"type": "image", "content": {"attachment_id": attachment_id, "url": "", "caption": []}}],
                            base_version=blocks.document_version(tree.page))
    url = publish(api, tree.page, slug="handbook").json()["url"]
    html = public(url).content.decode()
    assert "/api/v1/attachments" not in html
    src = html.split('src="')[1].split('"')[0]
    assert src.startswith(f"/p/{tree.workspace.slug}/-/files/")
    image = public(src)
    assert image.status_code == 200 and image.content == png and image["Content-Type"] == "image/png"
    api.delete(f"/pages/{tree.page.pk}/publication")
    assert public(src).status_code == 404


PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def _upload(api, page, name="dot.png", data=PNG):
    from django.core.files.uploadedfile import SimpleUploadedFile

    uploaded = api.client.post(f"/api/v1/pages/{page.pk}/attachments", {"file": SimpleUploadedFile(name, data, "image/png")}, **api.headers)
    assert uploaded.status_code == 201, uploaded.content
    return uploaded.json()["id"]


def _show_images(user, page, *attachment_ids):
    from ipai_workos_blocks import services as blocks

    blocks.replace_document(user, page, [{"type": "paragraph", "content": {"text": [{"text": "Pictures"}]}}] + [
        {"type": "image", "content": {"attachment_id": attachment_id, "url": "", "caption": []}} for attachment_id in attachment_ids],
        base_version=blocks.document_version(page))


def _sources(html: str) -> list[str]:
    return [part.split('"')[0] for part in html.split('src="')[1:]]


def test_a_published_image_stays_after_its_block_and_attachment_are_gone(team, api_for):
    from ipai_workos_blocks.models import Attachment

    tree, api = team.tree, api_for(team.admin)
    attachment_id = _upload(api, tree.page)
    _show_images(team.admin, tree.page, attachment_id)
    url = publish(api, tree.page, slug="handbook").json()["url"]
    (src,) = _sources(public(url).content.decode())

    write_blocks(team.admin, tree.page, "No pictures any more")
    attachment = Attachment.objects.get(pk=attachment_id)
    attachment.file.delete(save=False)  # the file gone from storage, and the attachment with it
    attachment.delete()

    assert _sources(public(url).content.decode()) == [src]
    image = public(src)
    assert image.status_code == 200 and image.content == PNG and image["Content-Type"] == "image/png"


def test_an_attachment_outside_the_snapshot_is_never_served(team, api_for):
    from ipai_workos_affine.models import PublishedAsset

    tree, api = team.tree, api_for(team.admin)
    first = _upload(api, tree.page)
    _show_images(team.admin, tree.page, first)
    url = publish(api, tree.page, slug="handbook").json()["url"]
    (src,) = _sources(public(url).content.decode())
    # added to the live page after publishing: not public until published again
    later = _upload(api, tree.page, "later.png", PNG + b"later")
    _show_images(team.admin, tree.page, first, later)
    private = _upload(api, tree.subpage, "private.png", PNG + b"private")  # a page that is not published

    assert _sources(public(url).content.decode()) == [src]
    assert PublishedAsset.objects.count() == 1
    for guess in (later, private, first):
        assert public(f"/p/{tree.workspace.slug}/-/files/{guess}").status_code == 404
    assert public(f"/api/v1/attachments/{later}/content").status_code in (401, 403, 404)
    assert public(src.replace(tree.workspace.slug, "elsewhere", 1)).status_code == 404
    # published again: the new snapshot's copies, the old one's are gone
    publish(api, tree.page, slug="handbook")
    sources = _sources(public(url).content.decode())
    assert len(sources) == 2 and src not in sources and public(src).status_code == 404
    assert public(sources[1]).content == PNG + b"later"
    # unpublished: every copy goes with it
    api.delete(f"/pages/{tree.page.pk}/publication")
    assert PublishedAsset.objects.count() == 0 and all(public(source).status_code == 404 for source in sources)
