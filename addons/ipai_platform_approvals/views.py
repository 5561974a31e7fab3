"""The approvals page: what waits for your decision, and what became of your own requests."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from workos.kernel.errors import ServiceError
from workos.web.menus import menu_tree

from . import services


@login_required
@require_http_methods(["GET", "POST"])
def approvals_view(request):
    error = None
    if request.method == "POST":
        try:
            approval = services.get_request(request.user, int(request.POST.get("request_id", "0") or 0))
            action = request.POST.get("action")
            if action in ("approve", "reject"):
                services.decide(request.user, approval, action, request.POST.get("comment", ""))
            elif action == "withdraw":
                services.withdraw(request.user, approval)
            elif action == "resubmit":
                services.resubmit(request.user, approval)
            else:
                raise services.InvalidInput("unknown action")
            return HttpResponseRedirect(request.path)
        except ServiceError as exc:
            error = exc.message
        except ValueError:
            error = "choose a request"
    context = {
        "menus": menu_tree(request.user),
        "pending": services.requests_for(request.user, "pending").prefetch_related("decisions__approver"),
        "mine": services.requests_for(request.user, "mine").prefetch_related("decisions__approver")[:200],
        "error": error,
    }
    return render(request, "ipai_platform_approvals/approvals.html", context, status=422 if error else 200)
