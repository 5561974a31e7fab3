"""The search page (server-rendered, filters in the query string) and the quick-find island in every /web page."""

import re

from django.test import Client

from ipai_workos_core import services as core


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_search_page_lists_results_with_marked_snippets_and_links_to_the_block(tree, write_page):
    page = write_page(tree.admin, "Deploy guide", "<b>run</b> the deploy script", space=tree.space)
    answer = _client(tree.admin).get("/web/search", {"q": "deploy scr"})
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "Deploy guide" in html
    assert re.search(rf'href="/web/pages/{page.pk}#block-[0-9a-f-]{{36}}"', html)
    assert "<mark>script</mark>" in html
    assert "<b>run</b>" not in html  # escaped on SQLite; PostgreSQL's ts_headline leaves tags out


def _results(response) -> str:
    """The results list of a search page: the sidebar around it lists the page tree, titles included."""
    html = response.content.decode()
    found = re.search(r'<ol class="search-results".*?</ol>', html, re.S)
    assert found, html
    return found.group(0)


def test_search_page_filters_by_space_type_and_title_only(tree, write_page):
    sales = core.create_space(tree.admin, tree.workspace, "Sales")
    write_page(tree.admin, "Forecast", "numbers", space=tree.space)
    write_page(tree.admin, "Pipeline", "forecast numbers", space=sales)
    client = _client(tree.admin)
    in_sales = _results(client.get("/web/search", {"q": "forecast", "space": sales.pk}))
    assert "Pipeline" in in_sales and "Forecast<" not in in_sales
    title_only = _results(client.get("/web/search", {"q": "forecast", "title_only": "1"}))
    assert "📄 Forecast" in title_only and "Pipeline" not in title_only
    rows_only = client.get("/web/search", {"q": "forecast", "type": "row"}).content.decode()
    assert "No results" in rows_only


def test_search_page_explains_a_bad_query(tree):
    answer = _client(tree.admin).get("/web/search", {"q": '"unclosed'})
    assert answer.status_code == 400
    assert "quotation mark" in answer.content.decode()


def test_every_web_page_loads_the_quick_find_island_for_people_logged_in(tree):
    answer = _client(tree.admin).get("/web")
    assert re.search(r'<script type="module" src="/web/static/dist/assets/search-[^"]+\.js">', answer.content.decode())
    assert "search-" not in Client().get("/web/login").content.decode()
