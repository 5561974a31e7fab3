"""Root URLs: the web client, the API, and the pages of the active modules (each module's ``urls.py``)."""

import importlib
import importlib.util

from django.conf import settings
from django.urls import include, path

from workos.api.root import api

urlpatterns = [
    path("", include("workos.web.urls")),
    path("api/v1/", api.urls),
]

for module_name in settings.WORKOS_ACTIVE_MODULES:
    if importlib.util.find_spec(f"{module_name}.urls") is not None:
        urlpatterns.append(path("", include(f"{module_name}.urls")))


def json_error(status: int, code: str, message: str):
    from django.http import JsonResponse

    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


def handler404(request, exception=None):
    if request.path.startswith("/api/"):
        return json_error(404, "not_found", "not found")
    from django.shortcuts import render

    return render(request, "web/error.html", {"status": 404, "message": "This page does not exist."}, status=404)


def handler500(request):
    if request.path.startswith("/api/"):
        return json_error(500, "server_error", "internal error; the administrator can find it in the server log")
    from django.shortcuts import render

    return render(request, "web/error.html", {"status": 500, "message": "Something went wrong on our side."}, status=500)


def handler403(request, exception=None):
    if request.path.startswith("/api/"):
        return json_error(403, "permission_denied", "forbidden")
    from django.shortcuts import render

    return render(request, "web/error.html", {"status": 403, "message": "You do not have access to this page."}, status=403)


def handler400(request, exception=None):
    if request.path.startswith("/api/"):
        return json_error(400, "bad_request", "bad request")
    from django.shortcuts import render

    return render(request, "web/error.html", {"status": 400, "message": "Bad request."}, status=400)
