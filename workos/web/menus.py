"""The menu tree of the installed modules, as the web client shows it."""

from __future__ import annotations

from dataclasses import dataclass, field

from workos.kernel.models import Menu


@dataclass
class MenuNode:
    id: int
    name: str
    url: str | None
    icon: str
    children: list["MenuNode"] = field(default_factory=list)


def action_url(action) -> str | None:
    if action is None:
        return None
    return action.path or f"/web/action/{action.pk}"


def menu_tree() -> list[MenuNode]:
    menus = list(Menu.objects.select_related("action").order_by("sequence", "id"))
    nodes = {menu.pk: MenuNode(menu.pk, menu.name, action_url(menu.action), menu.web_icon) for menu in menus}
    roots = []
    for menu in menus:
        node = nodes[menu.pk]
        if menu.parent_id and menu.parent_id in nodes:
            nodes[menu.parent_id].children.append(node)
        else:
            roots.append(node)
    return roots
