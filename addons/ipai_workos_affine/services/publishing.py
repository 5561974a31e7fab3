"""Publishing a page to the web: a stored snapshot at ``/p/<workspace-slug>/<page-slug>`` (optionally with the
sub-pages), the review policy that may require an approved review first, and unpublishing.

Publishing needs ``manage`` (full access) on the page, and on each sub-page it takes along; a sub-page the
publisher cannot manage stays private. With "review required" (the space's policy, else the workspace's), each
page is published as the version its latest approved review was about — a page without one cannot be published
(a sub-page without one is left out). Otherwise the snapshot is the page as it is now.
"""

from __future__ import annotations

import re

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from ipai_platform_audit.services import record_event
from ipai_platform_permissions import services as permissions
from ipai_platform_workflow import services as workflows
from ipai_workos_blocks import services as blocks
from ipai_workos_blocks.services import live
from ipai_workos_core import services as core
from ipai_workos_core.models import Page, PageVersion, Space, Workspace
from workos.kernel.errors import Conflict, InvalidInput, NotFound

from .. import snapshot
from ..models import PagePublication, PublishedAsset, PublishedPage, PublishingPolicy
from ._common import not_in_trash
from .reviews import approved_review

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
DESCRIPTION_MAX = 300
MAX_PAGES = 500


def public_url(workspace_slug: str, slug: str) -> str:
    return f"/p/{workspace_slug}/{slug}"


def asset_url(workspace_slug: str, key: str) -> str:
    return f"/p/{workspace_slug}/-/files/{key}"


# --- the review policy -------------------------------------------------------------------------------------


def review_required(space: Space) -> bool:
    """Whether pages of ``space`` need an approved review before they are published (the space's own policy, else
    its workspace's)."""
    policies = {p.space_id: p.review_required for p in PublishingPolicy.objects.filter(workspace_id=space.workspace_id)}
    return policies.get(space.pk, policies.get(None, False))


def publishing_settings(user, workspace: Workspace) -> dict:
    """The workspace's publishing settings, for its members."""
    from .status import page_workflow_of

    permissions.require(user, "read", workspace)
    policies = {p.space_id: p.review_required for p in PublishingPolicy.objects.filter(workspace=workspace)}
    return {"page_workflow": page_workflow_of(workspace) is not None, "review_required": policies.get(None, False),
            "spaces": [{"space_id": space_id, "review_required": value} for space_id, value in policies.items() if space_id is not None]}


@transaction.atomic
def set_review_policy(actor, workspace: Workspace, review_required: bool | None, space: Space | None = None) -> None:
    """Require (or not) an approved review before publishing: for the whole workspace, or for one space (``None``
    there: follow the workspace). Workspace administrators (space managers for a space)."""
    permissions.require(actor, "manage", space if space is not None else workspace)
    if space is not None and space.workspace_id != workspace.pk:
        raise InvalidInput("this space is not in this workspace", field="space_id")
    if space is None and not isinstance(review_required, bool):
        raise InvalidInput("review_required is true or false", field="review_required")
    if review_required is not None and not isinstance(review_required, bool):
        raise InvalidInput("review_required is true, false or null", field="review_required")
    existing = PublishingPolicy.objects.filter(workspace=workspace, space=space).first()
    before = existing.review_required if existing else None
    if review_required is None:
        PublishingPolicy.objects.filter(workspace=workspace, space=space).delete()
    elif existing is None:
        PublishingPolicy.objects.create(workspace=workspace, space=space, review_required=review_required)
    else:
        existing.review_required = review_required
        existing.save(update_fields=["review_required"])
    record_event(actor=actor, action="publishing.policy", target=space if space is not None else workspace,
                 changes={"review_required": {"before": before, "after": review_required}})


# --- publishing ----------------------------------------------------------------------------------------------


def publication_of(user, page: Page) -> PagePublication | None:
    """The page's publication (None when it was never published), for whoever may read the page."""
    permissions.require(user, "read", page)
    return PagePublication.objects.filter(page=page).select_related("workspace", "published_by").first()


def _check_slug(slug, workspace: Workspace, publication: PagePublication | None) -> str:
    if not isinstance(slug, str) or not SLUG.match(slug):
        raise InvalidInput("slug is 1 to 64 lower-case letters, digits and dashes (not at either end)", field="slug")
    clash = PublishedPage.objects.filter(workspace=workspace, slug=slug)
    if publication is not None:
        clash = clash.exclude(publication=publication)
    if clash.exists():
        raise Conflict(f"/p/{workspace.slug}/{slug} is already published: choose another slug", field="slug", code="slug_taken")
    return slug


def _content_of(page: Page, policy: bool) -> tuple[str, str, list, int | None] | None:
    """(title, icon, block trees, version number) to publish for ``page``; None when the policy wants an approved
    review and there is none."""
    if policy:
        approved = approved_review(page)
        if approved is None or approved[1] is None:
            return None
        version = PageVersion.objects.filter(page=page, number=approved[1]).first()
        if version is None:
            return None
        return version.title, version.icon, (version.content or {}).get("blocks") or [], version.number
    live.blocks_up_to_date(page)
    latest = PageVersion.objects.filter(page=page).order_by("-number").values_list("number", flat=True).first()
    return page.title, page.icon, blocks.document(page), latest


def _subpages(actor, page: Page) -> list[Page]:
    """The page's sub-pages (not database rows, not in the trash) that ``actor`` may publish, in tree order."""
    found = []
    children: dict[int, list[Page]] = {}
    for candidate in Page.objects.filter(pk__in=core.subtree_ids(page.pk), archived_at__isnull=True, container_model="").exclude(pk=page.pk).order_by("rank", "id"):
        children.setdefault(candidate.parent_id, []).append(candidate)

    def walk(parent_id):
        for child in children.get(parent_id, []):
            if permissions.can(actor, "share", child):  # a sub-page the publisher cannot manage stays private
                found.append(child)
                walk(child.pk)

    walk(page.pk)
    return found[:MAX_PAGES]


def _publish_workflow(actor, page: Page, to_state: str) -> None:
    """With the page workflow on, let the status follow the publication (Approved ↔ Published) where it may."""
    workflow = workflows.workflow_for(page)
    if workflow is None:
        return
    state = workflows.current_state(page, workflow)
    edge = workflow.transitions.filter(from_state=state, to_state__code=to_state).first()
    if edge is None or edge.requires_approval or workflows.check_transition(actor, page, edge) is not None:
        return
    workflows.transition(actor, page, to_state, "published to the web" if to_state == "published" else "unpublished")


@transaction.atomic
def publish_page(actor, page: Page, *, slug: str | None = None, include_subpages: bool = False, noindex: bool = False,
                 description: str = "") -> PagePublication:
    """Publish ``page`` (again): a fresh snapshot replaces the one before at once. Full access needed."""
    permissions.require(actor, "share", page)
    not_in_trash(page)
    if page.container_model:
        raise InvalidInput("a database row is published with its database, not alone", field="page_id")
    if not isinstance(include_subpages, bool) or not isinstance(noindex, bool):
        raise InvalidInput("include_subpages and noindex are true or false", field="include_subpages")
    if not isinstance(description, str) or len(description) > DESCRIPTION_MAX:
        raise InvalidInput(f"description is text of at most {DESCRIPTION_MAX} characters", field="description")
    workspace = page.space.workspace
    publication = PagePublication.objects.select_for_update(no_key=True).filter(page=page).first()
    if slug in (None, ""):
        slug = (publication.slug if publication and publication.slug else "") or slugify(page.title or "")[:64].strip("-") or f"page-{page.pk}"
    slug = _check_slug(slug, workspace, publication)
    policy = review_required(page.space)
    root = _content_of(page, policy)
    if root is None:
        raise Conflict("publishing pages here needs an approved review first: request a review from the page menu",
                       code="review_required")
    pages = [page] + (_subpages(actor, page) if include_subpages else [])
    contents = {page.pk: root}
    for sub in pages[1:]:
        content = _content_of(sub, review_required(sub.space))
        if content is not None:
            contents[sub.pk] = content
    pages = [p for p in pages if p.pk in contents]
    # a sub-page whose parent is not published hangs under the root in the navigation
    slugs = {page.pk: slug}
    for sub in pages[1:]:
        slugs[sub.pk] = f"{slugify(contents[sub.pk][0] or '')[:40].strip('-') or 'page'}-{sub.pk}"
        _check_slug(slugs[sub.pk], workspace, publication)

    if publication is None:
        publication = PagePublication(page=page)
    publication.pages.all().delete() if publication.pk else None
    publication.assets.all().delete() if publication.pk else None
    publication.workspace, publication.slug, publication.include_subpages = workspace, slug, include_subpages
    publication.noindex, publication.description = noindex, description.strip()
    publication.state, publication.published_at, publication.published_by = PagePublication.State.PUBLISHED, timezone.now(), actor
    publication.version_number = contents[page.pk][3]
    approved = approved_review(page) if policy else None
    publication.approval = approved[0] if approved else None
    publication.save()

    urls = {pk: public_url(workspace.slug, s) for pk, s in slugs.items()}
    titles = {pk: contents[pk][0] or "Untitled" for pk in slugs}
    wanted = set()
    for pk in slugs:
        wanted |= snapshot.attachment_ids(contents[pk][2])
    assets = snapshot.copy_assets(publication, set(slugs), wanted, lambda key: asset_url(workspace.slug, key))
    rows: dict[int, PublishedPage] = {}
    try:
        with transaction.atomic():
            for position, item in enumerate(pages):
                title, icon, trees, version = contents[item.pk]
                parent = rows.get(item.parent_id) if item.pk != page.pk else None
                if item.pk != page.pk and parent is None:
                    parent = rows[page.pk]
                rows[item.pk] = PublishedPage.objects.create(
                    publication=publication, page=item, workspace=workspace, slug=slugs[item.pk], parent=parent, position=position,
                    title=title or "Untitled", icon=icon or "", description=publication.description if item.pk == page.pk else "",
                    html=snapshot.render(trees, titles, urls, assets), version_number=version)
    except IntegrityError:
        raise Conflict("another page took this slug meanwhile: choose another", field="slug", code="slug_taken") from None
    _publish_workflow(actor, page, "published")
    record_event(actor=actor, action="page.publish", target=page, changes={
        "url": urls[page.pk], "pages": len(rows), "version": publication.version_number, "review_required": policy,
        "include_subpages": include_subpages, "noindex": noindex})
    return publication


def _take_down(publication: PagePublication) -> int:
    count = publication.pages.count()
    publication.pages.all().delete()
    publication.assets.all().delete()
    publication.state = PagePublication.State.DRAFT
    publication.save(update_fields=["state"])
    return count


@transaction.atomic
def unpublish_page(actor, page: Page) -> PagePublication:
    """Take the page's publication off the web at once (full access on the page)."""
    permissions.require(actor, "share", page)
    publication = PagePublication.objects.select_for_update(no_key=True).filter(page=page, state=PagePublication.State.PUBLISHED).first()
    if publication is None:
        raise NotFound("this page is not published")
    url = public_url(publication.workspace.slug, publication.slug) if publication.workspace_id else ""
    count = _take_down(publication)
    _publish_workflow(actor, page, "approved")
    record_event(actor=actor, action="page.unpublish", target=page, changes={"url": url, "pages": count})
    return publication


@transaction.atomic
def unpublish_as_operator(publication_id: int) -> PagePublication:
    """``workos publications unpublish``: the operator takes a publication down (no user; audited without actor)."""
    publication = PagePublication.objects.select_for_update(no_key=True, of=("self",)).select_related("page", "workspace").filter(
        pk=publication_id, state=PagePublication.State.PUBLISHED).first() if isinstance(publication_id, int) else None
    if publication is None:
        raise NotFound(f"no published publication {publication_id}")
    url = public_url(publication.workspace.slug, publication.slug)
    count = _take_down(publication)
    record_event(actor=None, action="page.unpublish", target=publication.page, changes={"url": url, "pages": count, "by": "operator"})
    return publication


def publications(state: str | None = PagePublication.State.PUBLISHED):
    """Every publication (for operators: the CLI), newest first."""
    rows = PagePublication.objects.select_related("page", "workspace", "published_by").order_by("-published_at", "-id")
    return rows.filter(state=state) if state else rows


def drop_pages(page_ids: list[int]) -> None:
    """Pages trashed, deleted or moved out of their publication's tree: their public copies go at once (a root's
    takes its whole publication down). Called by the page listener, in the write's transaction."""
    for publication in PagePublication.objects.filter(page_id__in=page_ids, state=PagePublication.State.PUBLISHED):
        count = _take_down(publication)
        record_event(actor=None, action="page.unpublish", target=publication.page, changes={"pages": count, "by": "page removed"})
    PublishedPage.objects.filter(page_id__in=page_ids).exclude(parent__isnull=True).delete()


# --- the public site -----------------------------------------------------------------------------------------


def published_page(workspace_slug: str, slug: str) -> PublishedPage:
    """The published page at ``/p/<workspace_slug>/<slug>`` — for anyone, logged in or not; NotFound otherwise."""
    row = PublishedPage.objects.select_related("publication", "workspace").filter(workspace__slug=workspace_slug, slug=slug).first()
    if row is None or row.publication.state != PagePublication.State.PUBLISHED:
        raise NotFound("nothing is published here")
    return row


def published_navigation(row: PublishedPage) -> list[dict]:
    """The published sub-tree of ``row``'s publication, flat in tree order with depths (no page bodies)."""
    items = list(PublishedPage.objects.filter(publication_id=row.publication_id).order_by("position", "id")
                 .values("id", "parent_id", "slug", "title", "icon"))
    children: dict = {}
    for item in items:
        children.setdefault(item["parent_id"], []).append(item)
    out = []

    def walk(parent_id, depth):
        for item in children.get(parent_id, []):
            out.append({**item, "depth": depth, "url": public_url(row.workspace.slug, item["slug"]), "current": item["id"] == row.pk})
            walk(item["id"], depth + 1)

    walk(None, 0)
    return out


def published_asset(workspace_slug: str, key: str) -> PublishedAsset:
    asset = PublishedAsset.objects.select_related("publication__workspace").filter(key=key).first() if isinstance(key, str) else None
    if (asset is None or asset.publication.state != PagePublication.State.PUBLISHED or asset.publication.workspace is None
            or asset.publication.workspace.slug != workspace_slug):
        raise NotFound("no such file")
    return asset
