"""The workflows page: every workflow with its states and transitions; administrators switch them on and off."""

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
def workflows_view(request):
    error = None
    if request.method == "POST":
        try:
            workflow = services.get_workflow(request.user, int(request.POST.get("workflow_id", "0") or 0))
            services.update_workflow(request.user, workflow, active=request.POST.get("active") == "1")
            return HttpResponseRedirect(request.path)
        except ServiceError as exc:
            error = exc.message
        except ValueError:
            error = "choose a workflow"
    workflows = services.workflows_for(request.user)
    return render(request, "ipai_platform_workflow/workflows.html", {"menus": menu_tree(request.user), "workflows": workflows, "error": error},
                  status=422 if error else 200)
