"""Audit scenarios for this module's write services (see ipai_platform_audit's test_every_service_is_audited)."""

from ipai_workos_canvas import services

from .elements import shape


def _canvas(w):
    return services.create_canvas(w.member, space=w.tree.space, title="Board")


def _with_element(w):
    canvas = _canvas(w)
    services.upsert_elements(w.member, canvas, [shape("a")])
    return canvas


def _archived(w):
    return services.archive_canvas(w.member, _canvas(w))


def _restored_scene(w):
    canvas = _with_element(w)
    services.restore_scene(w.member, canvas.page, {"canvas": []})


SCENARIOS = {
    "create_canvas": (_canvas, "canvas.create"),
    "update_canvas": (lambda w: services.update_canvas(w.member, _canvas(w), viewport={"zoom": {"value": 2}}), "canvas.update"),
    "archive_canvas": (_archived, "page.archive"),
    "restore_canvas": (lambda w: services.restore_canvas(w.member, _archived(w)), "page.restore"),
    "delete_canvas": (lambda w: services.delete_canvas(w.tree.admin, _archived(w)), "page.delete"),
    "upsert_elements": (_with_element, "canvas.elements"),
    "delete_elements": (lambda w: services.delete_elements(w.member, _with_element(w), ["a"]), "canvas.elements"),
    "restore_scene": (_restored_scene, "canvas.elements"),
    "canvas_side": (lambda w: services.canvas_side(w.member, w.tree.page), "canvas.create"),
}
