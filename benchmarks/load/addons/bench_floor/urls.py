"""The floor of the load benchmark: the same server, the same middleware, the same page JSON as
``GET /api/v1/pages/{id}``, but from one SQL query, no authentication, no permission check, no framework layer
above a plain Django view. This module lives only on the benchmark's addons path (benchmarks/load/addons): a
production site never has it."""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.http import Http404, JsonResponse
from django.urls import path

FIELDS = ("id", "space_id", "parent_id", "title", "icon", "cover_url", "full_width", "small_text", "restricted", "rank",
          "archived_at", "workflow_state", "created_at", "updated_at")
QUERY = f"SELECT {', '.join(FIELDS)} FROM ipai_workos_page WHERE id = %s"


def floor_page(request, page_id: int):
    with connection.cursor() as cursor:
        cursor.execute(QUERY, [page_id])
        row = cursor.fetchone()
    if row is None:
        raise Http404
    page = dict(zip(FIELDS, row))
    for flag in ("full_width", "small_text", "restricted"):
        page[flag] = bool(page[flag])  # SQLite answers 0/1
    return JsonResponse(page, encoder=DjangoJSONEncoder)


urlpatterns = [path("bench/floor/pages/<int:page_id>", floor_page)]
