"""The menu tree of the installed modules, as the web client shows it to one user."""

from __future__ import annotations

from dataclasses import dataclass, field

from workos.kernel.data import MENU_GROUPS
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


def shown_to(menu: Menu, user) -> bool:
    """Whether ``user`` belongs to one of the menu's groups (Odoo's menu ``groups``); a menu without groups is
    everyone's. This only declutters: what a menu opens checks access again."""
    if not menu.groups:
        return True
    return any(name in MENU_GROUPS and MENU_GROUPS.get(name)(user) for name in menu.groups.split(","))


def menu_tree(user) -> list[MenuNode]:
    """The menus ``user`` may see; a folder whose entries are all hidden is hidden too."""
    menus = list(Menu.objects.select_related("action").order_by("sequence", "id"))
    by_id = {menu.pk: menu for menu in menus}
    hidden = {menu.pk for menu in menus if not shown_to(menu, user)}

    def reachable(menu) -> bool:
        seen = set()
        while menu is not None:
            if menu.pk in hidden or menu.pk in seen:
                return False
            seen.add(menu.pk)
            menu = by_id.get(menu.parent_id)
        return True

    visible = [menu for menu in menus if reachable(menu)]
    nodes = {menu.pk: MenuNode(menu.pk, menu.name, action_url(menu.action), menu.web_icon) for menu in visible}
    roots = []
    for menu in visible:
        node = nodes[menu.pk]
        if menu.parent_id and menu.parent_id in nodes:
            nodes[menu.parent_id].children.append(node)
        elif not menu.parent_id:
            roots.append(node)
    return [node for node in roots if _has_something(node)]


def _has_something(node: MenuNode) -> bool:
    node.children = [child for child in node.children if _has_something(child)]
    return node.url is not None or bool(node.children)
