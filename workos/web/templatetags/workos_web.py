"""Template tags of the web client."""

from django import template
from django.utils.safestring import mark_safe

from workos.kernel.hooks import head_contributions as contributions

register = template.Library()


@register.simple_tag(takes_context=True)
def head_contributions(context):
    """What the active modules add to every page's <head> (each handler returns escaped, safe HTML)."""
    return mark_safe("\n".join(contributions(context.get("request"))))
