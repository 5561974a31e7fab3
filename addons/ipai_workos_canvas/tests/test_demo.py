"""The canvas's demo content: made through the services, valid elements, connectors bound, a card of the welcome page."""

from __future__ import annotations

from workos.kernel.demo import Demo


def test_demo_canvas_has_shapes_connectors_sticky_notes_and_a_page_card(make_user):
    from ipai_workos_canvas import demo as canvas_demo
    from ipai_workos_canvas import services
    from ipai_workos_core import demo as core_demo

    user = make_user(admin=True)
    demo = Demo(user=user)
    core_demo.load(demo)

    canvas_demo.load(demo)

    scene = services.elements_of(user, demo.made["canvas"])
    kinds = [element["type"] for element in scene["elements"]]
    arrows = [element for element in scene["elements"] if element["type"] == "arrow"]
    stickies = [element for element in scene["elements"] if (element.get("customData") or {}).get("sticky")]
    assert {"rectangle", "ellipse", "diamond", "arrow", "text", "frame", "embeddable"} <= set(kinds)
    assert len(arrows) == 3 and all(arrow["startBinding"] and arrow["endBinding"] for arrow in arrows)
    assert len(stickies) == 3
    assert [card["title"] for card in scene["cards"].values()] == ["Welcome to WorkOS"]
    assert "canvas Launch plan" in demo.report["canvas"]
    from ipai_workos_blocks import services as blocks

    embeds = [block for block in blocks.document(demo.made["welcome_page"]) if block["type"] == "canvas"]
    assert [block["content"] for block in embeds] == [{"canvas_id": demo.made["canvas"].pk}]
