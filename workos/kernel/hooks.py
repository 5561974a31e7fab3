"""Hooks through which the kernel, the web client and the API tell installed modules about what they own.

The kernel never imports a module: a module that wants to hear about logins, or to add something to every
page's ``<head>``, registers a handler here in its ``AppConfig.ready()``. Only installed (active) modules are
loaded, so only their handlers run.
"""

from __future__ import annotations

from typing import Any, Callable

from .registry import Registry

# kind (one of AUTH_EVENT_KINDS) -> handler(kind, **details)
AuthEventHandler = Callable[..., None]
AUTH_EVENT_HANDLERS: Registry[AuthEventHandler] = Registry("auth event handler")

# handler(request) -> safe HTML for the <head> of every page (stylesheets of the active theme ...)
HeadContribution = Callable[[Any], str]
HEAD_CONTRIBUTIONS: Registry[HeadContribution] = Registry("page head contribution")

AUTH_EVENT_KINDS = ("login", "login_failed", "login_throttled", "logout", "token_create", "token_revoke", "user_create",
                    "account_update", "password_change")


def auth_event(kind: str, *, request=None, user=None, username: str = "", details: dict | None = None) -> None:
    """Tell every registered handler that an authentication event happened.

    A handler that fails makes the caller fail: an audit trail that silently misses logins is worse than a
    refused login.
    """
    if kind not in AUTH_EVENT_KINDS:
        raise ValueError(f"unknown auth event {kind!r}; known: {', '.join(AUTH_EVENT_KINDS)}")
    for _key, handler in AUTH_EVENT_HANDLERS.items():
        handler(kind, request=request, user=user, username=username, details=dict(details or {}))


def head_contributions(request) -> list[str]:
    return [contribution(request) for _key, contribution in HEAD_CONTRIBUTIONS.items()]

# handler(request, context) -> safe HTML placed in the main sidebar of every page of the app shell (the page
# tree of the pages module ...). ``context`` is the template context, so a view can say which page is open.
SidebarContribution = Callable[[Any, Any], str]
SIDEBAR_CONTRIBUTIONS: Registry[SidebarContribution] = Registry("sidebar contribution")

# handler(request) -> a response for ``/web`` (the home page). The kernel shows a plain welcome when no active
# module offers a home; the first registered one wins.
HomeView = Callable[[Any], Any]
HOME_VIEWS: Registry[HomeView] = Registry("home view")


# handler(request, context) -> safe HTML of one entry in the sidebar's top navigation, below Home and Search
# (the inbox with its unread count, the template gallery ...). Entries appear in the order of registration,
# which follows the modules' dependency order.
SidebarNavItem = Callable[[Any, Any], str]
SIDEBAR_NAV_ITEMS: Registry[SidebarNavItem] = Registry("sidebar navigation item")


# handler(request) -> safe HTML of a section of the settings page, under "My account" and the API tokens (how
# notifications reach you ...), or "" for none.
SettingsSection = Callable[[Any], str]
SETTINGS_SECTIONS: Registry[SettingsSection] = Registry("settings section")


def settings_sections(request) -> list[str]:
    return [section(request) for _key, section in SETTINGS_SECTIONS.items()]


def sidebar_nav_items(request, context) -> list[str]:
    return [item(request, context) for _key, item in SIDEBAR_NAV_ITEMS.items()]


def sidebar_contributions(request, context) -> list[str]:
    return [contribution(request, context) for _key, contribution in SIDEBAR_CONTRIBUTIONS.items()]
