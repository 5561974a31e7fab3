"""Template tags of the web client."""

from django import template
from django.utils.safestring import mark_safe

from workos.kernel.hooks import head_contributions as contributions
from workos.kernel.hooks import sidebar_contributions as sidebar_parts
from workos.kernel.hooks import settings_sections as module_settings
from workos.kernel.hooks import sidebar_nav_items as nav_items

register = template.Library()


@register.simple_tag(takes_context=True)
def head_contributions(context):
    """What the active modules add to every page's <head> (each handler returns escaped, safe HTML)."""
    return mark_safe("\n".join(contributions(context.get("request"))))


@register.simple_tag(takes_context=True)
def sidebar_contributions(context):
    """What the active modules put in the main sidebar (the page tree ...); each handler returns safe HTML."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return ""
    return mark_safe("\n".join(sidebar_parts(request, context)))


@register.simple_tag(takes_context=True)
def sidebar_nav_items(context):
    """The entries the active modules add to the sidebar's top navigation; each handler returns safe HTML."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return ""
    return mark_safe("\n".join(nav_items(request, context)))


@register.simple_tag(takes_context=True)
def settings_sections(context):
    """The sections the active modules add to the settings page; each handler returns safe HTML."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return ""
    return mark_safe("\n".join(module_settings(request)))
