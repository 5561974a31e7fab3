"""Audit scenarios for this module's write services (see ipai_platform_audit's test_every_service_is_audited)."""

import itertools

from ipai_platform_theme import services

_numbers = itertools.count(1)


def _theme(w):
    return services.create_theme(w.root, name=f"Theme {next(_numbers)}")


SCENARIOS = {
    "create_theme": (lambda w: _theme(w), "theme.create"),
    "update_theme": (lambda w: services.update_theme(w.root, _theme(w), radius=3), "theme.update"),
    "set_default_theme": (lambda w: services.set_default_theme(w.root, _theme(w)), "theme.default"),
    "delete_theme": (lambda w: services.delete_theme(w.root, _theme(w)), "theme.delete"),
    "upload_image": (lambda w: services.upload_image(w.root, _theme(w), "logo", b'<svg xmlns="http://www.w3.org/2000/svg"/>'), "theme.logo"),
    "assign_theme": (lambda w: services.assign_theme(w.tree.admin, w.tree.workspace, _theme(w)), "theme.assign"),
}
