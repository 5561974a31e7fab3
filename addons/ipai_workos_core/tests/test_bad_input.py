"""Bad input to the page-tree endpoints gets a clear 4xx with the error format, never a 500."""

from __future__ import annotations

import pytest

BIG = 10**25


@pytest.mark.parametrize("method, path, body, params, status", [
    ("get", "/pages/{big}", None, {}, 404),
    ("post", "/pages/{page}/move", {"parent_id": BIG}, {}, 422),
    ("post", "/pages/{page}/move", {"after_id": BIG}, {}, 422),
    ("post", "/pages/{page}/move", {"before_id": -1}, {}, 422),
    ("post", "/pages/{page}/move", {"space_id": "design"}, {}, 422),
    ("post", "/pages/{page}/move", {"space_id": -5}, {}, 422),
    ("post", "/pages/{page}/duplicate", {"include_subpages": "sometimes"}, {}, 422),
    ("post", "/favorites", {"page_id": BIG}, {}, 422),
    ("post", "/favorites", {}, {}, 422),
    ("delete", "/favorites/{big}", None, {}, 404),
    ("post", "/favorites/{page}/move", {"after_id": BIG}, {}, 422),
    ("get", "/pages/{page}/history/{big}", None, {}, 404),
    ("post", "/pages/{page}/history/0/restore", None, {}, 404),
    ("get", "/pages/{page}/history", None, {"cursor": "bm90IGpzb24"}, 422),
    ("get", "/trash", None, {"workspace_id": BIG}, 422),
    ("get", "/trash", None, {"cursor": "WzEsMl0"}, 422),
    ("get", "/spaces/{space}/tree", None, {"depth": BIG}, 422),
    ("post", "/pages/{big}/visit", None, {}, 404),
    ("get", "/pages/{big}/children", None, {}, 404),
    ("get", "/pages/recent", None, {"limit": 1000}, 422),
    ("put", "/trash/settings", {"trash_retention_days": "x"}, {}, 422),
])
def test_bad_input_is_a_clear_client_error(tree, api_for, method, path, body, params, status):
    client = api_for(tree.admin)
    url = path.format(big=BIG, page=tree.page.pk, space=tree.space.pk)
    answer = getattr(client, method)(url, body, **params) if body is not None else getattr(client, method)(url, **params)

    assert answer.status_code == status, answer.content
    assert answer.json()["error"]["message"]
