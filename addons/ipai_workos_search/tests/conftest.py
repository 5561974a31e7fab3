"""Helpers of the search tests: pages with text, written through the services, then indexed."""

from __future__ import annotations

import pytest


def text(value: str) -> dict:
    return {"text": [{"text": value}]}


@pytest.fixture
def write_page():
    """``write_page(actor, title, *paragraphs, space=..., parent=..., headings=())`` -> the page, written through
    the services (which index it)."""
    from ipai_workos_blocks import services as blocks
    from ipai_workos_core import services as core

    def make(actor, title, *paragraphs, space=None, parent=None, headings=()):
        page = core.create_page(actor, space=space, parent=parent, title=title)
        for heading in headings:
            blocks.create_block(actor, page, type="heading_2", content=text(heading))
        for paragraph in paragraphs:
            blocks.create_block(actor, page, type="paragraph", content=text(paragraph))
        return page

    return make


def titles(result) -> list[str]:
    return [item["title"] for item in result["items"]]
