"""The page header (status chip and review banner), the review island, the Publishing section of the settings page,
and the public site: ``/p/<workspace-slug>/<page-slug>`` served from the stored snapshot, read-only, no script."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET, require_POST

from ipai_platform_approvals import services as approvals
from ipai_platform_permissions import services as permissions
from ipai_workos_blocks.templatetags.workos_vite import vite_entry
from ipai_workos_core import services as core
from workos.kernel.errors import NotFound, ServiceError

from . import services

ISLAND = "src/review/main.ts"


def head_contribution(request) -> str:
    """The review island on the pages of the web client (page menu items, banner buttons, publish dialog)."""
    user = getattr(request, "user", None) if request is not None else None
    if user is None or not user.is_authenticated or not request.path.startswith("/web") or request.path.startswith("/web/login"):
        return ""
    return vite_entry(ISLAND)


def page_header(request, page) -> str:
    """Under the page title: the status chip (with the workflow on), the open review's banner, and where the page is
    published — for whoever may read the page."""
    user = request.user
    if not permissions.can(user, "read", page):
        return ""
    status = services.page_status(user, page)
    review = services.reviews_of(user, page).first()
    banner = None
    if review is not None and review.state in ("pending", "changes_requested", "rejected"):
        turn = approvals.next_approver(review) if review.state == "pending" else None
        decided = review.decisions.filter(round=review.round).select_related("approver")
        is_approver = review.approvers.filter(user=user).exists()
        may_decide = (review.state == "pending" and is_approver and not decided.filter(approver=user).exists()
                      and (review.policy != "sequence" or (turn is not None and turn.pk == user.pk)))
        banner = {
            "review": review, "decisions": list(decided), "may_decide": may_decide and page.archived_at is None,
            "is_requester": review.requester_id == user.pk,
            "approvers": [a.user.get_username() for a in review.approvers.select_related("user")],
            "turn": turn.get_username() if turn and review.policy == "sequence" else "",
            "version": services.reviewed_versions(review).get(review.round),
        }
    publication = services.publication_of(user, page)
    published = publication is not None and publication.state == "published"
    if not status["enabled"] and banner is None and not published:
        return ""
    return render_to_string("ipai_workos_affine/_page_header.html", {
        "page": page, "status": status, "banner": banner,
        "published_url": services.public_url(publication.workspace.slug, publication.slug) if published else "",
    }, request=request)


# --- settings ------------------------------------------------------------------------------------------------


def _settings_rows(user) -> list[dict]:
    rows = []
    for workspace in core.workspaces_for(user).order_by("name", "id"):
        if not permissions.can(user, "manage", workspace):
            continue
        current = services.publishing_settings(user, workspace)
        spaces = {s["space_id"]: s["review_required"] for s in current["spaces"]}
        rows.append({"workspace": workspace, "settings": current, "spaces": [
            {"space": space, "policy": {True: "required", False: "not_required"}.get(spaces.get(space.pk), "inherit")}
            for space in core.spaces_for(user, workspace.pk).order_by("rank", "id") if permissions.can(user, "manage", space)]})
    return rows


def publishing_settings_section(request) -> str:
    """Settings → Publishing, for workspace administrators: the page workflow and "review required" (workspace, spaces)."""
    rows = _settings_rows(request.user)
    if not rows:
        return ""
    return render_to_string("ipai_workos_affine/_settings.html", {"rows": rows}, request=request)


@login_required
@require_POST
def publishing_settings_view(request):
    """The Publishing form's POST (works without script); back to the settings page, or the error."""
    try:
        workspace = core.get_workspace(request.user, int(request.POST.get("workspace_id", "0") or 0), "manage")
        with transaction.atomic():
            services.set_page_workflow(request.user, workspace, request.POST.get("page_workflow") == "on")
            services.set_review_policy(request.user, workspace, request.POST.get("review_required") == "on")
            for space in core.spaces_for(request.user, workspace.pk):
                value = request.POST.get(f"space_{space.pk}")
                if value in ("inherit", "required", "not_required") and permissions.can(request.user, "manage", space):
                    services.set_review_policy(request.user, workspace, {"inherit": None, "required": True, "not_required": False}[value], space=space)
    except (ServiceError, ValueError) as error:
        message = error.message if isinstance(error, ServiceError) else "choose a workspace"
        return render(request, "web/error.html", {"status": 422, "message": message}, status=422)
    return HttpResponseRedirect("/web/settings#settings-publishing")


# --- the public site -------------------------------------------------------------------------------------------


@require_GET
def public_page_view(request, workspace_slug: str, slug: str):
    """A published page, for anyone: the snapshot's HTML in a page of its own (no app shell, no editor script)."""
    try:
        row = services.published_page(workspace_slug, slug)
    except NotFound:
        raise Http404("nothing is published here") from None
    publication = row.publication
    navigation = services.published_navigation(row)
    context = {
        "row": row, "navigation": navigation if len(navigation) > 1 else [], "noindex": publication.noindex,
        "description": row.description or publication.description,
        "url": request.build_absolute_uri(request.path), "site": row.workspace.name,
    }
    response = render(request, "ipai_workos_affine/public_page.html", context)
    if publication.noindex:
        response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "public, max-age=0, must-revalidate"  # unpublishing takes effect at once
    return response


@require_GET
def public_asset_view(request, workspace_slug: str, key: str):
    """An image or file of a published page, from the publication's own copy."""
    try:
        asset = services.published_asset(workspace_slug, key)
    except NotFound:
        raise Http404("no such file") from None
    response = HttpResponse(bytes(asset.data), content_type=asset.content_type if asset.content_type.startswith("image/") else "application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "public, max-age=0, must-revalidate"
    if not asset.content_type.startswith("image/") or asset.content_type == "image/svg+xml":
        response["Content-Disposition"] = f'attachment; filename="{asset.name.replace(chr(34), "")}"'
        response["Content-Type"] = "application/octet-stream"
    return response
