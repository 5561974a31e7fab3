"""Admin pages: the grants and share links a user administers, and the landing page of a share link."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods

from workos.kernel.errors import NotAuthenticated, ServiceError
from workos.web.menus import menu_tree

from . import services
from .models import Permission, ShareToken
from .registry import LEVELS, MANAGE, RANK, SHARED_VIEWS

PAGE_LIMIT = 500


def _administered(user, rows):
    """The rows (grants or share links) whose object ``user`` may share, with that object."""
    access = services.Access(user)
    result = []
    for row in rows:
        obj = access._object((row.scope_model, row.scope_id))
        if obj is not None and RANK[access.level(obj)] >= RANK[MANAGE]:
            result.append((row, obj))
    return result


def _post_action(request, action) -> str | None:
    try:
        action()
    except ServiceError as error:
        return error.message
    return None


@login_required
@require_http_methods(["GET", "POST"])
def grants_view(request):
    error = None
    if request.method == "POST":
        grant_id = request.POST.get("grant_id", "")
        if not grant_id.isdigit():
            error = "choose a grant"
        elif request.POST.get("level"):
            error = _post_action(request, lambda: services.update_grant(request.user, int(grant_id), request.POST["level"]))
        else:
            error = _post_action(request, lambda: services.revoke_grant(request.user, int(grant_id)))
        if error is None:
            return HttpResponseRedirect(request.path)
    grants = Permission.objects.select_related("user", "group").order_by("scope_model", "scope_id", "id")[:PAGE_LIMIT]
    rows = [{"grant": grant, "object": services.label_of(obj)} for grant, obj in _administered(request.user, grants)]
    return render(request, "ipai_platform_permissions/grants.html",
                  {"menus": menu_tree(request.user), "rows": rows, "levels": LEVELS, "error": error}, status=422 if error else 200)


@login_required
@require_http_methods(["GET", "POST"])
def share_links_view(request):
    error = None
    if request.method == "POST":
        token_id = request.POST.get("token_id", "")
        error = "choose a share link" if not token_id.isdigit() else _post_action(
            request, lambda: services.revoke_share_token(request.user, int(token_id)))
        if error is None:
            return HttpResponseRedirect(request.path)
    tokens = ShareToken.objects.order_by("-created_at")[:PAGE_LIMIT]
    rows = [{"token": token, "object": services.label_of(obj)} for token, obj in _administered(request.user, tokens)]
    return render(request, "ipai_platform_permissions/share_links.html",
                  {"menus": menu_tree(request.user), "rows": rows, "error": error}, status=422 if error else 200)


@require_GET
def shared_view(request, token: str):
    user = request.user if request.user.is_authenticated else None
    try:
        share = services.resolve_share_token(token, user)
        obj = services.shared_object(share)
    except NotAuthenticated:
        return HttpResponseRedirect("/web/login?" + urlencode({"next": request.path}))
    except ServiceError as error:
        return render(request, "web/error.html", {"status": error.status, "message": error.message}, status=error.status)
    model = services.key_of(obj)[0]
    content = SHARED_VIEWS.get(model)(request, obj, share, user) if model in SHARED_VIEWS else ""
    context = {"name": services.label_of(obj), "level": services.level_of(user, obj, share=share), "share": share,
               "content": mark_safe(content), "signed_in": user is not None}
    return render(request, "ipai_platform_permissions/shared.html", context)
