"""Template tags of the web client."""

from django import template
from django.utils.safestring import mark_safe

from workos.kernel import hooks

register = template.Library()


def _signed_in_parts(context, parts) -> str:
    """The HTML the active modules return (each handler escapes its own), for a signed-in user only."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return ""
    return mark_safe("\n".join(parts(request)))


@register.simple_tag(takes_context=True)
def head_contributions(context):
    """What the active modules add to every page's <head> (each handler returns escaped, safe HTML)."""
    return mark_safe("\n".join(hooks.head_contributions(context.get("request"))))


@register.simple_tag(takes_context=True)
def sidebar_contributions(context):
    """What the active modules put in the main sidebar (the page tree ...)."""
    return _signed_in_parts(context, lambda request: hooks.sidebar_contributions(request, context))


@register.simple_tag(takes_context=True)
def sidebar_nav_items(context):
    """The entries the active modules add to the sidebar's top navigation (the inbox ...)."""
    return _signed_in_parts(context, lambda request: hooks.sidebar_nav_items(request, context))


@register.simple_tag(takes_context=True)
def settings_sections(context):
    """The sections the active modules add to the settings page (notifications ...)."""
    return _signed_in_parts(context, hooks.settings_sections)
