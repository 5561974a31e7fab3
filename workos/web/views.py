"""The web client's entry points: login, logout, health, the app shell and the generic action page."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

import workos
from workos.kernel.data import model_for
from workos.kernel.hooks import HOME_VIEWS, auth_event
from workos.kernel.models import Model, Module, ModuleState, WindowAction

from .menus import menu_tree

log = logging.getLogger("workos.web")


class SeeOther(HttpResponseRedirect):
    status_code = 303


def _safe_next(request, default: str = "/web") -> str:
    target = request.POST.get("next") or request.GET.get("next") or default
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request):
    if request.user.is_authenticated:
        return SeeOther(_safe_next(request))
    error = None
    username = ""
    if request.method == "POST":
        username = request.POST.get("login", "")[:150]
        password = request.POST.get("password", "")
        user = authenticate(request, username=username, password=password)
        if user is not None:
            login(request, user)
            log.info("login succeeded for %s", username)
            auth_event("login", request=request, user=user, username=username)
            return SeeOther(_safe_next(request))
        # One message whatever was wrong, so the form never tells which logins exist.
        error = "Wrong login or password."
        log.warning("login failed for %r from %s", username, request.META.get("REMOTE_ADDR"))
        auth_event("login_failed", request=request, username=username)
    return render(request, "web/login.html", {"error": error, "login": username, "next": _safe_next(request)})


@require_POST
def logout_view(request):
    if request.user.is_authenticated:
        auth_event("logout", request=request, user=request.user, username=request.user.get_username())
    logout(request)
    return SeeOther("/web/login")


@never_cache
@require_GET
def health_view(request):
    """Liveness and readiness for load balancers and `workos deploy`: 503 when the database cannot be reached."""
    body = {"status": "ok", "version": workos.__version__, "database": {"reachable": True, "vendor": connection.vendor},
            "code": {"revision": settings.WORKOS_CODE_REVISION, "modules": settings.WORKOS_CODE_MODULES}}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        body["modules_installed"] = Module.objects.filter(state=ModuleState.INSTALLED).count()
        body["modules_active"] = len(settings.WORKOS_ACTIVE_MODULES)
    except DatabaseError as error:
        log.error("health check: database unreachable: %s", str(error).splitlines()[0] if str(error) else type(error).__name__)
        body["status"] = "error"
        body["database"] = {"reachable": False, "vendor": connection.vendor, "error": "database unreachable"}
        return JsonResponse(body, status=503)
    return JsonResponse(body)


def greeting(now=None) -> str:
    hour = (now or timezone.localtime()).hour
    return "Good morning" if 5 <= hour < 12 else "Good afternoon" if 12 <= hour < 18 else "Good evening"


@never_cache
@login_required
@require_GET
def shell_view(request):
    """The home page: the one an active module offers (HOME_VIEWS), or a plain welcome."""
    for _key, home in HOME_VIEWS.items():
        return home(request)
    return render(request, "web/shell.html", {"greeting": greeting(), "shell_section": "home"})


def _settings_sections(user) -> list[dict]:
    """The installed modules' menus as links, grouped by their top menu. The menus are already filtered by the
    user's groups, so a member sees no administrator's entry (and no link that would answer 403)."""
    sections = []
    for root in menu_tree(user):
        entries = []

        def walk(node, trail):
            if node.url:
                entries.append({"name": node.name, "url": node.url, "section": " / ".join(trail)})
            for child in node.children:
                walk(child, trail + ([node.name] if node is not root else []))

        walk(root, [])
        if entries:
            sections.append({"title": root.name, "entries": entries})
    return sections


@never_cache
@login_required
@require_GET
def settings_view(request):
    """My account, and the modules' own pages; for administrators, the administration area (audit, permissions,
    record lists ...), which the menus' groups keep out of everyone else's sight."""
    sections = _settings_sections(request.user)
    if request.user.is_superuser:
        title = "Administration"
    else:
        title = "Apps"
    entries = []
    for section in sections:
        for entry in section["entries"]:
            # "Approvals · Approvals" says nothing twice: a top menu that only repeats its entry's name is left out.
            trail = [name for name in (section["title"], entry["section"]) if name and name != entry["name"]]
            entries.append(dict(entry, section=" / ".join(trail)))
    merged = [{"title": title, "entries": entries}] if entries else []
    return render(request, "web/settings.html", {"sections": merged, "shell_section": "settings"})


@login_required
@require_GET
def action_view(request, action_id: int):
    """The generic list of an action's records, for modules that have no page of their own yet. Admins only:
    without the module's own permission-filtered page, nobody else may browse raw records."""
    action = get_object_or_404(WindowAction, pk=action_id)
    context = {"action": action, "rows": None, "columns": [], "shell_section": "settings"}
    if not request.user.is_superuser:
        return render(request, "web/action.html", {**context, "denied": True}, status=403)
    model_class = model_for(action.res_model)
    registered = Model.objects.filter(model=action.res_model).first()
    if model_class is not None and registered is not None:
        columns = [f.name for f in registered.fields.order_by("id") if f.ttype not in {"one2many", "many2many", "json", "binary", "text"}][:8]
        context["columns"] = columns
        context["rows"] = [[getattr(obj, column, "") for column in columns] for obj in model_class.objects.all()[:200]]
    return render(request, "web/action.html", context)


def root_view(request):
    return SeeOther("/web")
