"""The search page ``/web/search?q=`` (server-rendered: results, filters, paging; works without script) and the
quick-find island every /web page loads through the page head (``head_contribution``)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ipai_workos_blocks.templatetags.workos_vite import vite_entry
from ipai_workos_core import services as core
from workos.kernel.errors import ServiceError
from workos.web.menus import menu_tree

from . import services

ISLAND = "src/search/main.ts"
TYPES = (("", "Any type"), ("page", "Pages"), ("row", "Database rows"), ("comment", "Comments"))
WITHIN = (("", "Any time"), ("day", "Past day"), ("week", "Past week"), ("month", "Past month"), ("custom", "Between dates"))
SORTS = (("relevance", "Relevance"), ("edited", "Last edited"))


def head_contribution(request) -> str:
    """The quick-find island on the pages of the web client, for people who are logged in."""
    user = getattr(request, "user", None) if request is not None else None
    if user is None or not user.is_authenticated or not request.path.startswith("/web") or request.path.startswith("/web/login"):
        return ""
    return vite_entry(ISLAND)


@never_cache
@login_required
@require_GET
def search_view(request):
    """``/web/search``: every result of a query, with filters for type, space, editor, edit time and title only."""
    params = request.GET
    form = {name: params.get(name, "").strip() for name in ("q", "type", "space", "edited_by", "within", "after", "before", "sort", "cursor")}
    form["title_only"] = params.get("title_only") in ("1", "on", "true")
    form["sort"] = form["sort"] or "relevance"
    result, error, status = None, None, 200
    if form["q"]:
        try:
            after, before = form["after"], form["before"]
            if form["within"] != "custom":
                after, before = services.edited_within(form["within"]), None
            result = services.search(
                request.user, form["q"], scope="space" if form["space"] else "workspace", scope_id=form["space"] or None,
                object=form["type"] or None, edited_by=form["edited_by"] or None, after=after or None, before=before or None,
                sort=form["sort"], title_only=form["title_only"], limit=services.DEFAULT_LIMIT, cursor=form["cursor"] or None)
        except ServiceError as failure:
            error, status = failure.message, failure.status
    spaces = list(core.spaces_for(request.user).select_related("workspace").order_by("workspace_id", "rank", "id"))
    next_params = None
    if result and result["next_cursor"]:
        next_params = params.copy()
        next_params["cursor"] = result["next_cursor"]
        next_params = next_params.urlencode()
    context = {
        "menus": menu_tree(request.user), "form": form, "result": result, "error": error, "spaces": spaces,
        "editors": services.editors(request.user), "types": TYPES, "within": WITHIN, "sorts": SORTS, "next_params": next_params,
    }
    return render(request, "ipai_workos_search/search.html", context, status=status)
