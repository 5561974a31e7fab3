"""Theme CSS and images for every page, and the themes admin page with its live preview."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_http_methods

from workos.kernel.errors import ServiceError
from workos.web.menus import menu_tree

from . import services
from .models import Density, Theme

IMAGE_HEADERS = {
    # An SVG opened on its own is a document: it must not run anything even if a filter were ever fooled.
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "public, max-age=86400",
}


def head_links(request) -> str:
    """Registered as a page-head contribution: the active theme's stylesheet (and favicon) on every page."""
    theme = services.theme_for_request(request)
    if theme is None:
        return ""
    version = int(theme.updated_at.timestamp())
    links = format_html('<link rel="stylesheet" href="/web/theme/{}.css?v={}">', theme.pk, version)
    if theme.favicon_type:
        links += format_html('\n  <link rel="icon" href="/web/theme/{}/favicon?v={}" type="{}">', theme.pk, version, theme.favicon_type)
    return links


def _cache_control(theme: Theme, versioned: bool) -> str:
    if not versioned:
        return "no-cache"
    # A workspace's own theme is for its members: no shared cache may hand it to anyone else.
    return "private, max-age=86400" if theme.owner_model else "public, max-age=86400"


@require_GET
def theme_css_view(request, theme_id: int):
    theme = services.visible_theme(request.user, theme_id)
    if theme is None:
        raise Http404("no such theme")
    response = HttpResponse(services.theme_css(theme), content_type="text/css; charset=utf-8")
    response["Cache-Control"] = _cache_control(theme, bool(request.GET.get("v")))
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def theme_image_view(request, theme_id: int, kind: str):
    theme = services.visible_theme(request.user, theme_id)
    if theme is None or kind not in ("logo", "favicon") or not getattr(theme, f"{kind}_type"):
        raise Http404("no such image")
    response = HttpResponse(bytes(getattr(theme, kind)), content_type=getattr(theme, f"{kind}_type"))
    for header, value in IMAGE_HEADERS.items():
        response[header] = value
    response["Cache-Control"] = _cache_control(theme, True)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def themes_view(request):
    if not request.user.is_superuser:
        return render(request, "web/error.html", {"status": 403, "message": "Only administrators edit themes."}, status=403)
    error = None
    selected = None
    if request.method == "POST":
        try:
            theme_id = request.POST.get("theme_id")
            values = {key: request.POST[key] for key in ("name", "primary_color", "neutral_color", "accent_color", "font_family", "density")
                      if key in request.POST}
            if "radius" in request.POST:
                radius = request.POST["radius"].strip()
                if not radius.isdigit():
                    raise services.InvalidInput("radius is a whole number of pixels", field="radius")
                values["radius"] = int(radius)
            theme = services.update_theme(request.user, services.get_theme(request.user, int(theme_id)), **values) if theme_id \
                else services.create_theme(request.user, **values)
            for kind in ("logo", "favicon"):
                upload = request.FILES.get(kind)
                if upload is not None:
                    if upload.size > services.MAX_BYTES:
                        raise services.TooLarge(f"images are limited to {services.MAX_BYTES // 1024} KB", field=kind)
                    services.upload_image(request.user, theme, kind, upload.read(), upload.content_type or "")
            if request.POST.get("make_default"):
                services.set_default_theme(request.user, theme)
            return HttpResponseRedirect(f"{request.path}?theme={theme.pk}")
        except ServiceError as exc:
            error = exc.message
        except ValueError:
            error = "choose a theme"
    themes = list(Theme.objects.all())
    wanted = request.GET.get("theme", "")
    selected = None if wanted == "new" else next((t for t in themes if str(t.pk) == wanted), None) or (themes[0] if themes else None)
    context = {"menus": menu_tree(request.user), "themes": themes, "selected": selected, "densities": Density.choices, "error": error}
    return render(request, "ipai_platform_theme/themes.html", context, status=422 if error else 200)
