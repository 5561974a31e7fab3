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


OUT_OF_RANGE = ["99999999999999999999", str(MAX_RECORD_ID + 1), "0", "-1"]

# Every id a module's API takes in a query string: (path, parameter).
ID_QUERY_PARAMETERS = [
    ("/api/v1/pages", "space_id"), ("/api/v1/pages", "parent_id"), ("/api/v1/spaces", "workspace_id"),
    ("/api/v1/trash", "workspace_id"), ("/api/v1/databases", "space_id"), ("/api/v1/databases", "parent_page_id"),
]

# Every id field of a module's input schemas: (method, path, body without the id, field). Path ids need not
# exist: the body is refused before any record is looked up.
ID_BODY_FIELDS = [
    ("post", "/api/v1/spaces", {"name": "Eng"}, "workspace_id"),
    ("post", "/api/v1/workspaces/1/members", {}, "user_id"),
    ("post", "/api/v1/pages", {"title": "Plan"}, "space_id"),
    ("post", "/api/v1/pages", {"title": "Plan"}, "parent_id"),
    *[("post", "/api/v1/pages/1/move", {}, field) for field in ("parent_id", "space_id", "after_id", "before_id")],
    ("post", "/api/v1/favorites", {}, "page_id"),
    *[("post", "/api/v1/favorites/1/move", {}, field) for field in ("after_id", "before_id")],
    ("post", "/api/v1/blocks/00000000-0000-0000-0000-000000000001/move", {}, "page_id"),
    ("post", "/api/v1/databases", {"title": "Tasks"}, "space_id"),
    ("post", "/api/v1/databases", {"title": "Tasks"}, "parent_page_id"),
    ("patch", "/api/v1/properties/1", {}, "after_id"),
    ("post", "/api/v1/databases/1/rows", {}, "after_id"),
    ("patch", "/api/v1/rows/1", {}, "after_id"),
    ("patch", "/api/v1/views/1", {}, "after_id"),
    ("post", "/api/v1/permissions", {"scope_model": "ipai.workos.page", "scope_id": "1", "level": "view"}, "user_id"),
    ("post", "/api/v1/permissions", {"scope_model": "ipai.workos.page", "scope_id": "1", "level": "view"}, "group_id"),
    ("put", "/api/v1/theme-assignments", {"scope_model": "ipai.workos.workspace", "scope_id": "1"}, "theme_id"),
    ("post", "/api/v1/approvals", {"res_model": "ipai.workos.page", "res_id": "1", "title": "Publish"}, "transition_id"),
]
ID_LIST_FIELDS = [
    ("patch", "/api/v1/databases/1/rows", {"values": {}}, "row_ids"),
    ("post", "/api/v1/approvals", {"res_model": "ipai.workos.page", "res_id": "1", "title": "Publish"}, "approver_ids"),
]


@pytest.fixture
def logged_in():
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.create_user("ida", password="correct-horse-9"))
    workspace = client.post("/api/v1/workspaces", {"name": "Acme"}, content_type="application/json").json()
    space = client.post("/api/v1/spaces", {"workspace_id": workspace["id"], "name": "Eng"}, content_type="application/json").json()
    assert client.post("/api/v1/pages", {"space_id": space["id"], "title": "Plan"}, content_type="application/json").status_code == 201
    return client


def _refused_naming(response, field: str) -> None:
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid" and error["field"] == field, error


@pytest.mark.parametrize("value", OUT_OF_RANGE)
@pytest.mark.parametrize("path, parameter", ID_QUERY_PARAMETERS)
def test_an_id_query_parameter_no_record_can_have_answers_422_naming_it(logged_in, path, parameter, value):
    _refused_naming(logged_in.get(path, {parameter: value}), parameter)


@pytest.mark.parametrize("value", OUT_OF_RANGE)
def test_the_import_parent_id_no_record_can_have_answers_422_naming_it(logged_in, value):
    from django.core.files.uploadedfile import SimpleUploadedFile

    space_id = logged_in.get("/api/v1/spaces").json()["items"][0]["id"]
    upload = SimpleUploadedFile("Notes.md", b"# Notes\n", content_type="text/markdown")

    _refused_naming(logged_in.post(f"/api/v1/spaces/{space_id}/import?parent_id={value}", {"file": upload}), "parent_id")


@pytest.mark.parametrize("value", OUT_OF_RANGE)
@pytest.mark.parametrize("method, path, body, field", ID_BODY_FIELDS + ID_LIST_FIELDS)
def test_an_id_field_of_an_input_no_record_can_have_answers_422_naming_it(logged_in, method, path, body, field, value):
    is_list = (method, path, body, field) in ID_LIST_FIELDS
    payload = {**body, field: [int(value)] if is_list else int(value)}

    response = getattr(logged_in, method)(path, payload, content_type="application/json")

    _refused_naming(response, f"{field}.0" if is_list else field)


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
