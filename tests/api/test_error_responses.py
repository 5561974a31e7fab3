"""The OpenAPI document declares the error responses of every operation, and ids out of range are refused
with a 422 in the error format instead of a 500."""

from __future__ import annotations

import pytest
from django.test import Client
from ninja import Router, Schema
from ninja.testing import TestClient

from workos.api.root import ERROR_RESPONSES, WorkOSAPI, install_error_handlers
from workos.api.types import MAX_RECORD_ID, RecordId

pytestmark = pytest.mark.django_db


def test_every_operation_declares_every_error_status_with_the_error_schema():
    document = Client().get("/api/v1/openapi.json").json()

    assert document["components"]["schemas"]["Error"]["properties"]["error"]["required"] == ["code", "message"]
    operations = [(path, method, operation) for path, item in document["paths"].items() for method, operation in item.items()]
    assert len(operations) > 50  # every module's routes are in the document
    for path, method, operation in operations:
        for status in ERROR_RESPONSES:
            response = operation["responses"].get(str(status))
            assert response is not None, f"{method.upper()} {path} does not declare {status}"
            assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    token = document["paths"]["/api/v1/auth/token"]["post"]["responses"]
    assert "201" in token and "Retry-After" in token["429"]["headers"]


def test_a_declared_success_is_kept_as_the_module_declared_it():
    document = Client().get("/api/v1/openapi.json").json()

    created = document["paths"]["/api/v1/auth/token"]["post"]["responses"]["201"]
    assert created["content"]["application/json"]["schema"]["$ref"].endswith("/TokenCreated")


@pytest.mark.parametrize("path, parameter", [("/api/v1/pages", "parent_id"), ("/api/v1/pages", "space_id"), ("/api/v1/databases", "space_id"), ("/api/v1/spaces", "workspace_id")])
def test_a_list_filtered_by_an_id_no_record_can_have_is_not_a_server_error(path, parameter):
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.create_user("ida", password="correct-horse-9"))
    workspace = client.post("/api/v1/workspaces", {"name": "Acme"}, content_type="application/json").json()
    space = client.post("/api/v1/spaces", {"workspace_id": workspace["id"], "name": "Eng"}, content_type="application/json").json()
    assert client.post("/api/v1/pages", {"space_id": space["id"], "title": "Plan"}, content_type="application/json").status_code == 201

    response = client.get(path, {parameter: "99999999999999999999"})

    # SQLite cannot bind the number (422); PostgreSQL compares it and finds nothing. Once the module declares
    # the parameter a RecordId, both answer 422 naming it.
    if response.status_code == 200:
        assert response.json()["items"] == []
    else:
        assert response.status_code == 422, response.content
        assert response.json()["error"]["code"] == "invalid"


class _Moved(Schema):
    parent_id: RecordId


_router = Router()


@_router.get("/things")
def _list_things(request, parent_id: RecordId | None = None):
    return {"parent_id": parent_id}


@_router.post("/things")
def _move_thing(request, payload: _Moved):
    return {"parent_id": payload.parent_id}


_api = WorkOSAPI(urls_namespace="test-record-id")
install_error_handlers(_api)
_api.add_router("/", _router)


def _api_with_record_ids() -> TestClient:
    return TestClient(_api)


@pytest.mark.parametrize("value", ["0", "-1", str(MAX_RECORD_ID + 1), "99999999999999999999"])
def test_record_id_refuses_numbers_no_record_can_have_naming_the_field(value):
    client = _api_with_record_ids()

    in_query = client.get(f"/things?parent_id={value}")
    in_body = client.post("/things", json={"parent_id": int(value)})

    for response in (in_query, in_body):
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "invalid"
        assert response.json()["error"]["field"] == "parent_id"


def test_record_id_accepts_the_largest_id_and_documents_its_bounds():
    client = _api_with_record_ids()

    assert client.get(f"/things?parent_id={MAX_RECORD_ID}").json() == {"parent_id": MAX_RECORD_ID}
    assert client.get("/things").json() == {"parent_id": None}
    document = _api.get_openapi_schema(path_prefix="")
    declared = document["paths"]["/things"]["get"]["parameters"][0]["schema"]
    assert {"type": "integer", "minimum": 1, "maximum": MAX_RECORD_ID}.items() <= declared["anyOf"][0].items()
