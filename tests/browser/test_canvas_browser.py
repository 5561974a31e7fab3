"""The canvas in real Chromium against a real server: draw two shapes, connect them with an arrow, move one (the
arrow follows), add a page card, reload — everything is there, saved element by element — under the strict
Content-Security-Policy without a single violation."""

from __future__ import annotations

import pytest

from .test_content_security_policy import LISTEN
from .test_editor import eventually, log_in, workspace  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.once]

READY = "() => !!window.workosCanvas && !!document.querySelector('.excalidraw canvas')"
SAVED = "() => document.getElementById('workos-canvas').dataset.saveState === 'saved' && window.workosCanvas.saver.changed().length === 0"
SCENE = "() => window.workosCanvas.excalidraw.getSceneElements().map(e => ({id: e.id, type: e.type, x: e.x, y: e.y, " \
        "start: e.startBinding && e.startBinding.elementId, end: e.endBinding && e.endBinding.elementId, customData: e.customData || null}))"


def drag(page, start: tuple[int, int], end: tuple[int, int]) -> None:
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move((start[0] + end[0]) / 2, (start[1] + end[1]) / 2, steps=5)
    page.mouse.move(*end, steps=5)
    page.mouse.up()


def wait_saved(page) -> None:
    try:
        page.wait_for_function(SAVED, polling=100)
    except Exception as error:
        state = page.evaluate("() => [document.getElementById('workos-canvas').dataset.saveState, "
                              "document.querySelector('[data-save-status]').textContent, "
                              "window.workosCanvas.saver.changed().map(e => [e.id, e.type, e.version, e.versionNonce])]")
        raise AssertionError(f"not saved: {state}") from error


def by_type(elements: list[dict], kind: str) -> list[dict]:
    return [element for element in elements if element["type"] == kind]


def test_draw_connect_move_card_and_reload(workspace, page):  # noqa: F811
    doc = workspace.create_page("Design doc", icon="📐")
    blocks = workspace.api.put(f"/api/v1/pages/{doc['id']}/blocks", json={
        "blocks": [{"type": "paragraph", "content": {"text": [{"text": "Why we build the canvas"}]}}], "base_version": 0})
    assert blocks.status_code == 200, blocks.text
    canvas = workspace.api.post("/api/v1/canvases", json={"space_id": workspace.space_id, "title": "Architecture"}).json()
    page.add_init_script(LISTEN)
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.set_viewport_size({"width": 1400, "height": 900})
    log_in(page, workspace.base_url)

    page.goto(f"{workspace.base_url}/web/pages/{canvas['page_id']}")  # the page's address opens the canvas
    page.wait_for_url(f"{workspace.base_url}/web/canvases/{canvas['id']}")
    page.wait_for_function(READY)
    box = page.locator(".excalidraw canvas.interactive").bounding_box()
    left, top = box["x"], box["y"]
    page.mouse.click(left + 50, top + 600)  # focus the canvas: tool keys go to it

    page.keyboard.press("r")
    drag(page, (left + 300, top + 250), (left + 420, top + 330))
    page.keyboard.press("Escape")
    page.keyboard.press("o")
    drag(page, (left + 650, top + 250), (left + 770, top + 330))
    page.keyboard.press("Escape")
    page.keyboard.press("a")
    drag(page, (left + 412, top + 290), (left + 700, top + 290))  # from near the rectangle's edge into the ellipse
    page.keyboard.press("Escape")
    wait_saved(page)
    drawn = page.evaluate(SCENE)
    rectangle, ellipse, arrow = by_type(drawn, "rectangle")[0], by_type(drawn, "ellipse")[0], by_type(drawn, "arrow")[0]
    assert (arrow["start"], arrow["end"]) == (rectangle["id"], ellipse["id"]), drawn

    page.keyboard.press("v")
    drag(page, (left + 300, top + 290), (left + 300, top + 490))  # the rectangle by its left edge, 200 px down
    page.keyboard.press("Escape")
    wait_saved(page)
    moved = page.evaluate(SCENE)
    moved_rectangle, moved_arrow = by_type(moved, "rectangle")[0], by_type(moved, "arrow")[0]
    assert moved_rectangle["y"] > rectangle["y"] + 150
    assert moved_arrow["y"] > arrow["y"] + 50 and moved_arrow["start"] == rectangle["id"]  # the connector followed

    page.click("[data-action=insert-card]")
    page.fill(".canvas-insert input", "Design")
    page.click(".canvas-insert-result[data-kind=page]")
    wait_saved(page)
    page.wait_for_selector(".workos-card[data-card-state=open]")
    assert "Design doc" in page.locator(".workos-card-title").first.inner_text()
    assert "Why we build the canvas" in page.locator(".workos-card").first.inner_text()

    stored = workspace.api.get(f"/api/v1/canvases/{canvas['id']}/elements").json()
    assert sorted(element["type"] for element in stored["elements"]) == ["arrow", "ellipse", "embeddable", "rectangle"]
    stored_arrow = next(element for element in stored["elements"] if element["type"] == "arrow")
    assert stored_arrow["y"] == pytest.approx(moved_arrow["y"])  # the server has the moved arrow, not the drawn one

    page.reload()
    page.wait_for_function(READY)
    page.wait_for_selector(".workos-card[data-card-state=open]")
    again = page.evaluate(SCENE)
    assert sorted(element["type"] for element in again) == ["arrow", "ellipse", "embeddable", "rectangle"]
    assert by_type(again, "rectangle")[0]["y"] == pytest.approx(moved_rectangle["y"])
    assert by_type(again, "arrow")[0]["start"] == rectangle["id"] and by_type(again, "arrow")[0]["end"] == ellipse["id"]
    assert "Design doc" in page.locator(".workos-card-title").first.inner_text()

    page.locator(".excalidraw canvas.interactive").click(position={"x": 10, "y": 10})
    card = by_type(again, "embeddable")[0]
    assert card["customData"]["workos"] == {"card": "page", "id": doc["id"]}
    page.evaluate("() => document.fonts.load('20px Excalifont')")
    assert page.evaluate("() => document.fonts.check('20px Excalifont')")  # Excalidraw's hand-drawn font, from this site
    violations = page.evaluate("window.__cspViolations")
    refused = [text for text in console if "Content Security Policy" in text]
    assert violations == [] and refused == []


def test_new_canvas_from_the_sidebar_and_a_page_dragged_onto_it(workspace, page):  # noqa: F811
    doc = workspace.create_page("Meeting notes", icon="📝")
    page.set_viewport_size({"width": 1400, "height": 900})
    log_in(page, workspace.base_url)
    page.goto(f"{workspace.base_url}/web/pages/{doc['id']}")
    page.wait_for_selector(".workos-editor")

    page.click(".tree-new-canvas")
    page.wait_for_url(f"{workspace.base_url}/web/canvases/*")
    page.wait_for_function(READY)
    canvas_id = int(page.url.rsplit("/", 1)[1])
    page.drag_and_drop(f'li[data-page-id="{doc["id"]}"] > .tree-row', ".excalidraw canvas.interactive",
                       target_position={"x": 500, "y": 300})
    page.wait_for_selector(".workos-card[data-card-state=open]")
    wait_saved(page)

    stored = workspace.api.get(f"/api/v1/canvases/{canvas_id}/elements").json()
    assert [element["customData"]["workos"] for element in stored["elements"]] == [{"card": "page", "id": doc["id"]}]
    assert stored["cards"][stored["elements"][0]["id"]]["title"] == "Meeting notes"
    with page.expect_navigation():
        page.locator(".excalidraw canvas.interactive").click(position={"x": 560, "y": 360})  # select the card
        page.locator(".excalidraw canvas.interactive").dblclick(position={"x": 560, "y": 360})  # and open it
    assert page.url.endswith(f"/web/pages/{doc['id']}")


PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="

ADD_IMAGE = """(pixel) => {
  const { excalidraw } = window.workosCanvas;
  excalidraw.addFiles([{ id: "local-file", dataURL: "data:image/png;base64," + pixel, mimeType: "image/png", created: Date.now() }]);
  const image = { id: "img1", type: "image", x: 100, y: 100, width: 64, height: 64, angle: 0, strokeColor: "transparent",
    backgroundColor: "transparent", fillStyle: "solid", strokeWidth: 1, strokeStyle: "solid", roughness: 0, opacity: 100,
    groupIds: [], frameId: null, index: "a1", roundness: null, seed: 7, version: 1, versionNonce: 7, isDeleted: false,
    boundElements: null, updated: Date.now(), link: null, locked: false, fileId: "local-file", status: "pending", scale: [1, 1], crop: null };
  excalidraw.updateScene({ elements: [...excalidraw.getSceneElementsIncludingDeleted(), image] });
}"""


def test_an_image_goes_through_the_attachments_service_and_the_canvas_exports(workspace, page, tmp_path):  # noqa: F811
    canvas = workspace.api.post("/api/v1/canvases", json={"space_id": workspace.space_id, "title": "Moodboard"}).json()
    log_in(page, workspace.base_url)
    page.goto(f"{workspace.base_url}/web/canvases/{canvas['id']}")
    page.wait_for_function(READY)

    page.evaluate(ADD_IMAGE, PIXEL)  # what Excalidraw does with a pasted or dropped image
    page.wait_for_function("() => window.workosCanvas.excalidraw.getSceneElements().some(e => e.type === 'image' && e.fileId.startsWith('attachment-'))")
    wait_saved(page)

    stored = workspace.api.get(f"/api/v1/canvases/{canvas['id']}/elements").json()["elements"]
    attachment_id = int(stored[0]["fileId"].split("-")[1])
    content = workspace.api.get(f"/api/v1/attachments/{attachment_id}/content")
    assert content.status_code == 200 and content.content.startswith(b"\x89PNG")
    with page.expect_download() as png:
        page.click("[data-action=export-png]")
    with page.expect_download() as svg:
        page.click("[data-action=export-svg]")
    png_path, svg_path = tmp_path / "canvas.png", tmp_path / "canvas.svg"
    png.value.save_as(png_path)
    svg.value.save_as(svg_path)
    assert png.value.suggested_filename == "Moodboard.png" and png_path.read_bytes().startswith(b"\x89PNG")
    assert svg.value.suggested_filename == "Moodboard.svg" and b"<svg" in svg_path.read_bytes()[:500]


LIVE = "() => !!window.workosCanvas && window.workosCanvas.live.isOpen()"
FIGURES = "window.workosCanvas.excalidraw.getSceneElements().filter(e => e.type === 'rectangle' || e.type === 'ellipse')"
SHAPES = f"() => {FIGURES}.map(e => [e.id, e.type, e.version, e.versionNonce, Math.round(e.x), Math.round(e.y)]).sort()"
GEOMETRY = f"() => {FIGURES}.map(e => ({{type: e.type, x: e.x, y: e.y, height: e.height}}))"
POINTERS = "() => [...window.workosCanvas.excalidraw.getAppState().collaborators.values()].filter(c => c.pointer).map(c => c.username)"
# Two pages at once: requestAnimationFrame does not run in the one that is not in front, so waits poll by time.


def test_two_people_draw_on_one_canvas_at_once_and_converge(site, workspace, browser):  # noqa: F811
    from .test_live_editing import add_member

    add_member(site, workspace, "ada")
    canvas = workspace.api.post("/api/v1/canvases", json={"space_id": workspace.space_id, "title": "Whiteboard"}).json()
    grace_context, ada_context = browser.new_context(viewport={"width": 1400, "height": 900}), browser.new_context(viewport={"width": 1400, "height": 900})
    grace, ada = grace_context.new_page(), ada_context.new_page()
    try:
        corners = {}
        for tab, name in ((grace, "grace"), (ada, "ada")):
            tab.set_default_timeout(15_000)
            log_in(tab, workspace.base_url, name)
            tab.goto(f"{workspace.base_url}/web/canvases/{canvas['id']}")
            tab.wait_for_function(READY, polling=100)
            tab.wait_for_function(LIVE, polling=100)
            box = tab.locator(".excalidraw canvas.interactive").bounding_box()
            corners[name] = (box["x"], box["y"])
            tab.mouse.click(box["x"] + 50, box["y"] + 600)
        # both pick a tool, then both draw, each drag started before the other's has been saved
        grace.keyboard.press("r")
        ada.keyboard.press("o")
        (gx, gy), (ax, ay) = corners["grace"], corners["ada"]
        for step in range(6):
            for tab, (x, y), origin in ((grace, (gx + 300, gy + 250), (120, 80)), (ada, (ax + 650, ay + 250), (120, 80))):
                tab.bring_to_front()
                if step == 0:
                    tab.mouse.move(x, y)
                    tab.mouse.down()
                tab.mouse.move(x + origin[0] * (step + 1) / 6, y + origin[1] * (step + 1) / 6)
        for tab in (grace, ada):
            tab.bring_to_front()  # a page behind runs no animation frame: the last move would wait for one
            tab.mouse.up()
            tab.keyboard.press("Escape")

        for tab in (grace, ada):
            tab.wait_for_function(f"() => ({SHAPES})().length === 2", polling=100)
            wait_saved(tab)
        eventually(lambda: grace.evaluate(SHAPES) == ada.evaluate(SHAPES))
        drawn = {shape["type"]: shape for shape in grace.evaluate(GEOMETRY)}
        assert sorted(drawn) == ["ellipse", "rectangle"]

        # each moves the other's shape by its left edge (where the drawn shape is: under load a drawing may have
        # taken fewer of the moves), 200 px: both moves reach both, and the stored scene is what both show
        def left_edge(corner, shape):
            return corner[0] + shape["x"], corner[1] + shape["y"] + shape["height"] / 2

        grace.bring_to_front()
        grace.keyboard.press("v")
        start = left_edge((gx, gy), drawn["ellipse"])
        drag(grace, start, (start[0], start[1] + 200))  # ada's ellipse, down
        ada.bring_to_front()
        ada.keyboard.press("v")
        start = left_edge((ax, ay), drawn["rectangle"])
        drag(ada, start, (start[0], start[1] - 200))  # grace's rectangle, up
        for tab in (grace, ada):
            tab.keyboard.press("Escape")
            wait_saved(tab)
        eventually(lambda: grace.evaluate(SHAPES) == ada.evaluate(SHAPES))
        moved = {shape["type"]: shape for shape in grace.evaluate(GEOMETRY)}
        assert moved["ellipse"]["y"] - drawn["ellipse"]["y"] > 150 and drawn["rectangle"]["y"] - moved["rectangle"]["y"] > 150, (drawn, moved)
        stored = workspace.api.get(f"/api/v1/canvases/{canvas['id']}/elements").json()["elements"]
        assert sorted([e["id"], e["type"], e["version"], e["versionNonce"], round(e["x"]), round(e["y"])] for e in stored) == grace.evaluate(SHAPES)

        # the pointer of the other one is shown, named
        ada.bring_to_front()
        ada.mouse.move(ax + 900, ay + 500)
        ada.mouse.move(ax + 910, ay + 510)
        grace.wait_for_function(f"() => ({POINTERS})().includes('ada')", polling=100)
    finally:
        grace_context.close()
        ada_context.close()


def test_a_canvas_embedded_in_a_page_shows_a_preview_or_no_access(site, workspace, browser):  # noqa: F811
    from .test_live_editing import add_member

    add_member(site, workspace, "ada")
    private = workspace.api.post("/api/v1/spaces", json={"workspace_id": workspace.workspace_id, "name": "Mine", "visibility": "private"}).json()
    shared = workspace.api.post("/api/v1/canvases", json={"space_id": workspace.space_id, "title": "Team board"}).json()
    secret = workspace.api.post("/api/v1/canvases", json={"space_id": private["id"], "title": "Secret board"}).json()
    for canvas in (shared, secret):
        saved = workspace.api.post(f"/api/v1/canvases/{canvas['id']}/elements", json={"elements": [
            {"id": f"box{canvas['id']}", "type": "rectangle", "x": 0, "y": 0, "width": 200, "height": 100, "angle": 0, "strokeColor": "#1e1e1e",
             "backgroundColor": "transparent", "fillStyle": "solid", "strokeWidth": 2, "strokeStyle": "solid", "roughness": 1, "opacity": 100,
             "groupIds": [], "frameId": None, "index": "a0", "roundness": None, "seed": 1, "version": 1, "versionNonce": 1, "isDeleted": False,
             "boundElements": None, "updated": 1, "link": None, "locked": False}]})
        assert saved.status_code == 200, saved.text
    doc = workspace.create_page("Plans")
    workspace.put_blocks(doc["id"], [{"type": "paragraph", "content": {"text": [{"text": "Our boards:"}]}},
                                     {"type": "canvas", "content": {"canvas_id": shared["id"]}},
                                     {"type": "canvas", "content": {"canvas_id": secret["id"]}}])
    grace_context, ada_context = browser.new_context(), browser.new_context()
    grace, ada = grace_context.new_page(), ada_context.new_page()
    try:
        for tab, name in ((grace, "grace"), (ada, "ada")):
            tab.set_default_timeout(15_000)
            log_in(tab, workspace.base_url, name)
            tab.goto(f"{workspace.base_url}/web/pages/{doc['id']}")
            tab.wait_for_selector(".workos-editor")
            tab.wait_for_function("() => document.querySelectorAll('.workos-editor .canvas-embed:not([data-embed-state=loading])').length === 2")

        embeds = grace.locator(".workos-editor .canvas-embed")
        assert [embeds.nth(i).get_attribute("data-embed-state") for i in range(2)] == ["open", "open"]
        assert "Secret board" in embeds.nth(1).inner_text()
        grace.wait_for_function("() => [...document.querySelectorAll('.canvas-embed img')].every(img => img.complete && img.naturalWidth > 0)")

        embeds = ada.locator(".workos-editor .canvas-embed")
        assert embeds.nth(0).get_attribute("data-embed-state") == "open" and "Team board" in embeds.nth(0).inner_text()
        assert embeds.nth(1).get_attribute("data-embed-state") == "no-access" and embeds.nth(1).inner_text().strip() == "No access"
        assert "Secret board" not in ada.content()
    finally:
        grace_context.close()
        ada_context.close()


def test_a_document_page_opens_as_its_canvas_from_the_page_menu(workspace, page):  # noqa: F811
    doc = workspace.create_page("Spec")
    workspace.put_blocks(doc["id"], [{"type": "paragraph", "content": {"text": [{"text": "The words stay"}]}}])
    log_in(page, workspace.base_url)
    page.goto(f"{workspace.base_url}/web/pages/{doc['id']}")
    page.wait_for_selector(".workos-editor")

    page.click(".page-menu-button")
    page.click(".shell-menu-item:has-text('Open as canvas')")
    page.wait_for_url(f"{workspace.base_url}/web/canvases/*")
    page.wait_for_function(READY)
    canvas = workspace.api.get(f"/api/v1/canvases/{page.url.rsplit('/', 1)[1]}").json()
    assert (canvas["page_id"], canvas["side"]) == (doc["id"], True)

    page.click("[data-action=open-as-page]")  # and back to the document, which is unchanged
    page.wait_for_url(f"{workspace.base_url}/web/pages/{doc['id']}")
    page.wait_for_selector(".workos-editor")
    assert "The words stay" in page.locator(".workos-editor").inner_text()
    page.click("[data-canvas-side]")  # the page now links its canvas side under its title
    page.wait_for_url(f"{workspace.base_url}/web/canvases/{canvas['id']}")


def test_the_slash_command_makes_a_canvas_under_the_page_and_embeds_it(workspace, page):  # noqa: F811
    doc = workspace.create_page("Notes")
    log_in(page, workspace.base_url)
    page.goto(f"{workspace.base_url}/web/pages/{doc['id']}")
    page.wait_for_selector(".workos-editor[contenteditable=true]")
    page.click(".workos-editor")
    page.keyboard.type("/whiteboard")
    page.wait_for_selector(".slash-menu .slash-item.is-active:has-text('Canvas')")
    page.keyboard.press("Enter")
    page.wait_for_selector(".workos-editor .canvas-embed[data-embed-state=open]")
    page.wait_for_function("() => { const e = window.workosEditor; return !!e && !e.autosave.dirty && e.autosave.state === 'saved'; }")

    embeds = [block for block in workspace.blocks(doc["id"]) if block["type"] == "canvas"]
    assert len(embeds) == 1
    canvas = workspace.api.get(f"/api/v1/canvases/{embeds[0]['content']['canvas_id']}").json()
    assert canvas["parent_id"] == doc["id"] and canvas["side"] is False
