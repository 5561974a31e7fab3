"""Themes: the only write path of ``ipai_theme``; validation of every token; the CSS they become.

Themes are white-label settings defined by administrators: a system theme (no owner) is offered to every
workspace, a theme owned by a workspace is seen, and can be chosen, only by that workspace's members — to
anyone else it does not exist. A workspace's admins choose which one their workspace uses. Each value is validated strictly (hex colours, a font list without CSS
syntax, bounded numbers), because it is written into CSS that every page loads.
"""

from __future__ import annotations

import re

from django.db import IntegrityError, transaction

from ipai_platform_audit.services import diff, record_event
from ipai_platform_permissions import services as permissions
from workos.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied, TooLarge

from .models import Density, Theme, ThemeAssignment
from .registry import SCOPE_RESOLVERS
from .svg import MAX_BYTES, UnsafeSvg, sanitise_svg

HEX_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")
FONT_FAMILY = re.compile(r"^[A-Za-z0-9 ,\-_\"']{1,256}$")
COLOR_TOKENS = ("primary_color", "neutral_color", "accent_color")
DARK_TOKENS = ("primary_color", "neutral_color", "accent_color", "background_color", "sidebar_color", "muted_color")
DARK_DEFAULTS = {"background_color": "#191919", "sidebar_color": "#202020", "muted_color": "#9b9a97", "neutral_color": "#e3e2e0"}
DENSITY_SCALE = {Density.COMPACT: "0.85", Density.COMFORTABLE: "1", Density.SPACIOUS: "1.2"}
RASTER_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg", b"\x00\x00\x01\x00": "image/x-icon"}
EDITABLE = ("name", *COLOR_TOKENS, "font_family", "radius", "density", "dark_tokens")
QUERIES = ("themes_for", "get_theme", "visible_theme", "default_theme", "theme_for_object", "theme_for_request", "theme_css",
           "validate_color", "assignment_of", "validate_seed")


def _require_admin(actor) -> None:
    if actor is None or not actor.is_authenticated or not actor.is_superuser:
        raise PermissionDenied("only administrators define themes")


def validate_color(value, field: str) -> str:
    if not isinstance(value, str) or not HEX_COLOR.match(value.strip()):
        raise InvalidInput(f"{field} must be a hex colour such as #2f6fed", field=field)
    return value.strip().lower()


def _clean(values: dict) -> dict:
    clean = {}
    for key, value in values.items():
        if key not in EDITABLE:
            raise InvalidInput(f"unknown theme field {key!r}", field=key)
        if key == "name":
            if not isinstance(value, str) or not value.strip() or len(value.strip()) > 128:
                raise InvalidInput("name must be 1 to 128 characters", field="name")
            value = value.strip()
        elif key in COLOR_TOKENS:
            value = validate_color(value, key)
        elif key == "font_family":
            if not isinstance(value, str) or not FONT_FAMILY.match(value.strip()):
                raise InvalidInput("font family is a comma-separated list of font names (letters, digits, spaces, quotes)", field=key)
            value = value.strip()
        elif key == "radius":
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 32:
                raise InvalidInput("radius is a whole number of pixels from 0 to 32", field=key)
        elif key == "density":
            if value not in Density.values:
                raise InvalidInput(f"density must be one of {', '.join(Density.values)}", field=key)
        elif key == "dark_tokens":
            if not isinstance(value, dict):
                raise InvalidInput("dark_tokens maps token names to colours", field=key)
            for token, color in value.items():
                if token not in DARK_TOKENS:
                    raise InvalidInput(f"unknown dark token {token!r}; known: {', '.join(DARK_TOKENS)}", field=f"dark_tokens.{token}")
                validate_color(color, f"dark_tokens.{token}")
            value = {token: validate_color(color, token) for token, color in value.items()}
        clean[key] = value
    return clean


def validate_seed(values: dict) -> dict:
    """A system theme as a data file declares it (kernel ``RECORD_VALIDATORS``): the tokens pass the same checks."""
    values = dict(values)
    is_default = values.pop("is_default", False)
    if not isinstance(is_default, bool):
        raise InvalidInput("is_default is true or false", field="is_default")
    return {**_clean(values), "is_default": is_default}


def _snapshot(theme: Theme) -> dict:
    return {key: getattr(theme, key) for key in EDITABLE} | {"is_default": theme.is_default, "owner_model": theme.owner_model,
                                                               "owner_id": theme.owner_id}


@transaction.atomic
def create_theme(actor, *, owner_model: str | None = None, owner_id: str | None = None, **values) -> Theme:
    """Define a theme: a system one, or with an owner (a workspace) one that only its members see."""
    _require_admin(actor)
    owner_model, owner_id = permissions.owner_for(owner_model, owner_id)
    values = _clean(values)
    if "name" not in values:
        raise InvalidInput("a theme needs a name", field="name")
    try:
        with transaction.atomic():
            theme = Theme.objects.create(owner_model=owner_model, owner_id=owner_id, **values)
    except IntegrityError:
        raise Conflict("a theme with this name exists", field="name") from None
    record_event(actor=actor, action="theme.create", target=theme, changes=diff({}, _snapshot(theme)))
    return theme


@transaction.atomic
def update_theme(actor, theme: Theme, **values) -> Theme:
    _require_admin(actor)
    values = _clean(values)
    before = _snapshot(theme)
    for key, value in values.items():
        setattr(theme, key, value)
    try:
        with transaction.atomic():
            theme.save()
    except IntegrityError:
        raise Conflict("a theme with this name exists", field="name") from None
    record_event(actor=actor, action="theme.update", target=theme, changes=diff(before, _snapshot(theme)))
    return theme


@transaction.atomic
def set_default_theme(actor, theme: Theme) -> Theme:
    _require_admin(actor)
    if theme.owner_model:
        raise Conflict("the default theme is shown to everyone: only a system theme (without an owner) can be it")
    previous = Theme.objects.filter(is_default=True).exclude(pk=theme.pk).first()
    Theme.objects.filter(is_default=True).exclude(pk=theme.pk).update(is_default=False)
    theme.is_default = True
    theme.save(update_fields=["is_default", "updated_at"])
    record_event(actor=actor, action="theme.default", target=theme, changes={"default": {"before": previous.name if previous else None, "after": theme.name}})
    return theme


@transaction.atomic
def delete_theme(actor, theme: Theme) -> None:
    _require_admin(actor)
    if theme.is_default:
        raise Conflict("the default theme cannot be deleted: make another one the default first")
    record_event(actor=actor, action="theme.delete", target=theme, changes={"assignments": theme.assignments.count()})
    theme.delete()


def _image(data: bytes, declared_type: str) -> tuple[bytes, str]:
    if not data:
        raise InvalidInput("the file is empty", field="file")
    if len(data) > MAX_BYTES:
        raise TooLarge(f"images are limited to {MAX_BYTES // 1024} KB", field="file")
    for magic, content_type in RASTER_TYPES.items():
        if data.startswith(magic):
            return data, content_type
    if declared_type == "image/svg+xml" or data.lstrip()[:5] in (b"<svg ", b"<?xml", b"<svg>") or b"<svg" in data[:1024]:
        try:
            return sanitise_svg(data), "image/svg+xml"
        except UnsafeSvg as error:
            raise InvalidInput(str(error), field="file") from None
    raise InvalidInput("a logo is an SVG, PNG, JPEG or ICO image", field="file")


@transaction.atomic
def upload_image(actor, theme: Theme, kind: str, data: bytes, declared_type: str = "") -> Theme:
    """Store a logo or favicon: raster images by their magic bytes, SVG sanitised (never with script)."""
    _require_admin(actor)
    if kind not in ("logo", "favicon"):
        raise InvalidInput("kind is logo or favicon", field="kind")
    content, content_type = _image(data, declared_type)
    setattr(theme, kind, content)
    setattr(theme, f"{kind}_type", content_type)
    theme.save(update_fields=[kind, f"{kind}_type", "updated_at"])
    record_event(actor=actor, action=f"theme.{kind}", target=theme, changes={kind: {"content_type": content_type, "bytes": len(content)}})
    return theme


@transaction.atomic
def assign_theme(actor, obj, theme: Theme | None) -> ThemeAssignment | None:
    """Choose the theme of ``obj`` (a workspace); None goes back to the default. Needs full access to ``obj``."""
    permissions.require(actor, "manage", obj)
    if theme is not None and theme.owner_model and permissions.root_of(obj) != (theme.owner_model, theme.owner_id):
        raise InvalidInput("this theme belongs to another workspace", field="theme_id")
    scope_model, scope_id = permissions.key_of(obj)
    existing = ThemeAssignment.objects.filter(scope_model=scope_model, scope_id=scope_id).first()
    before = existing.theme.name if existing else None
    if theme is None:
        if existing:
            existing.delete()
        result = None
    else:
        result, _ = ThemeAssignment.objects.update_or_create(scope_model=scope_model, scope_id=scope_id, defaults={"theme": theme})
    record_event(actor=actor, action="theme.assign", target=obj, target_name=permissions.label_of(obj),
                 changes={"theme": {"before": before, "after": theme.name if theme else None}})
    return result


# --- reading ---------------------------------------------------------------------------------------------


def themes_for(user):
    """The themes ``user`` may see: the system ones and those of the workspaces the user belongs to."""
    if user is None or not user.is_authenticated:
        raise PermissionDenied("log in first")
    return permissions.visible_to_members(user, Theme.objects.all())


def get_theme(user, theme_id: int) -> Theme:
    theme = themes_for(user).filter(pk=theme_id).first()
    if theme is None:
        raise NotFound("no such theme")
    return theme


def visible_theme(user, theme_id) -> Theme | None:
    """The theme the web's stylesheet and image links name, if ``user`` (perhaps anonymous: the login page is
    styled too) may see it; None, as for a missing one, otherwise."""
    return permissions.visible_to_members(user, Theme.objects.all()).filter(pk=theme_id).first()


def default_theme() -> Theme | None:
    system = Theme.objects.filter(owner_model="")
    return system.filter(is_default=True).first() or system.order_by("id").first()


def assignment_of(user, obj) -> ThemeAssignment | None:
    permissions.require(user, "read", obj)
    scope_model, scope_id = permissions.key_of(obj)
    return ThemeAssignment.objects.select_related("theme").filter(scope_model=scope_model, scope_id=scope_id).first()


def theme_for_object(obj) -> Theme | None:
    if obj is not None:
        scope_model, scope_id = permissions.key_of(obj)
        assignment = ThemeAssignment.objects.select_related("theme").filter(scope_model=scope_model, scope_id=scope_id).first()
        if assignment:
            return assignment.theme
    return default_theme()


def theme_for_request(request) -> Theme | None:
    """The theme of what a request shows, if its user may see that theme; the default theme otherwise."""
    for _key, resolve in SCOPE_RESOLVERS.items():
        obj = resolve(request)
        if obj is not None:
            theme = theme_for_object(obj)
            if theme is not None and (not theme.owner_model or visible_theme(getattr(request, "user", None), theme.pk)):
                return theme
            break
    return default_theme()


def theme_css(theme: Theme) -> str:
    """The theme as CSS custom properties: light by default, dark under ``prefers-color-scheme`` or ``data-theme``."""
    light = {
        "--color-primary": theme.primary_color, "--color-neutral": theme.neutral_color, "--color-accent": theme.accent_color,
        "--font-family": theme.font_family, "--radius": f"{theme.radius}px", "--density": DENSITY_SCALE.get(theme.density, "1"),
    }
    dark_values = {**DARK_DEFAULTS, **(theme.dark_tokens or {})}
    dark = {f"--color-{token.removesuffix('_color')}": color for token, color in dark_values.items()}

    def block(selector: str, values: dict) -> str:
        body = "".join(f"  {name}: {value};\n" for name, value in values.items())
        return f"{selector} {{\n{body}}}\n"

    return (
        f"/* WorkOS theme: {re.sub(r'[^A-Za-z0-9 _-]', '', theme.name)} */\n"
        + block(":root", light)
        + "@media (prefers-color-scheme: dark) {\n" + block(":root:not([data-theme=light])", dark) + "}\n"
        + block(":root[data-theme=dark]", dark)
    )
