"""Blocks' part of ``workos demo load``: content for core's welcome page and more pages, from the Markdown
files beside this one, through the blocks services (the same import a user makes)."""

from __future__ import annotations

from pathlib import Path

from workos.kernel.demo import Demo

from .. import markdown, services

CONTENT = Path(__file__).parent


def load(demo: Demo) -> None:
    welcome_page, spaces = demo.made["welcome_page"], demo.made["spaces"]
    welcome = (CONTENT / "welcome.md").read_bytes()
    trees = markdown.from_markdown(welcome.decode())
    if trees and trees[0]["type"] == "heading_1":  # the page's title, which core's page already has
        trees = trees[1:]
    services.replace_document(demo.user, welcome_page, trees)
    services.import_file(demo.user, spaces["Team"], "handbook.md", (CONTENT / "handbook.md").read_bytes())
    services.import_file(demo.user, spaces["Engineering"], "welcome.md", welcome)
    demo.report["pages"] = "pages imported from Markdown: Welcome to WorkOS, Team handbook"
