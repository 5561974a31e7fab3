"""The affine module's write path: page status (the page review workflow), review requests from a page, and
publishing pages to the web. Re-exports the public names of its files."""

from __future__ import annotations

from .publishing import (
    asset_url, drop_pages, publication_of, publications, public_url, publish_page, published_asset, published_navigation,
    published_page, publishing_settings, review_required, set_review_policy, unpublish_as_operator, unpublish_page,
)
from .reviews import (
    approved_review, decide_review, get_review, page_of_request, request_review, rerequest_review, reviewed_versions, reviews_of,
    versions_under_review, withdraw_review,
)
from .status import change_page_status, page_status, page_workflow_for, page_workflow_of, set_page_workflow

QUERIES = (
    "asset_url", "publication_of", "publications", "public_url", "published_asset", "published_navigation", "published_page",
    "publishing_settings", "review_required", "approved_review", "get_review", "page_of_request", "reviewed_versions", "reviews_of",
    "versions_under_review", "page_status", "page_workflow_for", "page_workflow_of",
)
