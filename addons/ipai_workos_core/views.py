"""``/web/invite/<token>``: where the link of an e-mail invitation lands. Someone without an account makes one
(and is logged in); someone logged in joins with one click. A link that cannot be used any more says why, with
410 (expired, revoked, used) or 404 (unknown or altered) — never an error page."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import login
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from ipai_platform_permissions import services as permissions
from workos.kernel.errors import ServiceError

from . import services


class _Mismatch(Exception):
    """The password and its confirmation differ: said on the form, like a service's refusal."""


class SeeOther(HttpResponseRedirect):
    status_code = 303


def _landing(invitation) -> str:
    """Where the new member goes: the page or database they were invited to, else the home page."""
    if invitation.scope_model == "ipai.workos.page":
        return f"/web/pages/{invitation.scope_id}"
    if invitation.scope_model == "ipai.workos.database":
        return f"/web/databases/{invitation.scope_id}"
    return "/web"


def _what(invitation) -> str:
    if invitation.scope_model:
        try:
            return permissions.label_of(permissions.object_for(invitation.scope_model, invitation.scope_id))
        except ServiceError:
            return ""
    return ""


@never_cache
@require_http_methods(["GET", "POST"])
def invite_view(request, token: str):
    try:
        invitation = services.invitation_for_token(token)
    except services.InvitationUnusable as unusable:
        status = 404 if unusable.reason == "invalid" else 410
        return render(request, "ipai_workos_core/invite.html", {"unusable": unusable, "reason": unusable.reason}, status=status)
    context = {"invitation": invitation, "token": token, "object_label": _what(invitation), "form": {}, "error": None, "field": None}
    if request.method == "POST":
        try:
            if request.user.is_authenticated:
                invitation = services.accept_invitation(request.user, token)
            else:
                fields = {key: request.POST.get(key, "") for key in ("username", "first_name", "last_name")}
                context["form"] = fields
                if request.POST.get("password", "") != request.POST.get("confirm_password", ""):
                    raise _Mismatch()
                user = services.sign_up_with_invitation(token, fields["username"], request.POST.get("password", ""),
                                                        first_name=fields["first_name"], last_name=fields["last_name"])
                login(request, user, backend=settings.AUTHENTICATION_BACKENDS[-1])  # the model backend (axes comes first)
            return SeeOther(_landing(invitation))
        except services.InvitationUnusable as unusable:  # used or revoked while the form was open
            return render(request, "ipai_workos_core/invite.html", {"unusable": unusable, "reason": unusable.reason}, status=410)
        except _Mismatch:
            context.update(error="The two passwords differ.", field="confirm_password")
        except ServiceError as error:
            context.update(error=error.message, field=error.field)
        return render(request, "ipai_workos_core/invite.html", context, status=422)
    return render(request, "ipai_workos_core/invite.html", context)
