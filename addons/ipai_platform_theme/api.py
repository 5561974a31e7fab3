"""``/api/v1/themes`` and ``/api/v1/theme-assignments``."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import HttpResponse
from ninja import Field, File, Router, Schema
from ninja.files import UploadedFile

from ipai_platform_permissions import services as permissions

from . import services

router = Router(tags=["themes"])


class ThemeOut(Schema):
    id: int
    name: str
    owner_model: str | None
    owner_id: str | None
    is_default: bool
    primary_color: str
    neutral_color: str
    accent_color: str
    font_family: str
    radius: int
    density: str
    dark_tokens: dict[str, str]
    logo_url: str | None
    favicon_url: str | None
    css_url: str
    updated_at: datetime


class ThemeIn(Schema):
    name: str
    owner_model: str | None = Field(None, description="With owner_id: the workspace whose members alone see it; none: a system theme")
    owner_id: str | None = None
    primary_color: str = "#2f6fed"
    neutral_color: str = "#37352f"
    accent_color: str = "#e16259"
    font_family: str = "Inter, system-ui, sans-serif"
    radius: int = 6
    density: Literal["compact", "comfortable", "spacious"] = "comfortable"
    dark_tokens: dict[str, str] = {}


class ThemePatch(Schema):
    name: str | None = None
    primary_color: str | None = None
    neutral_color: str | None = None
    accent_color: str | None = None
    font_family: str | None = None
    radius: int | None = None
    density: Literal["compact", "comfortable", "spacious"] | None = None
    dark_tokens: dict[str, str] | None = None
    is_default: Literal[True] | None = None


class AssignmentIn(Schema):
    scope_model: str
    scope_id: str
    theme_id: int | None


class AssignmentOut(Schema):
    scope_model: str
    scope_id: str
    theme_id: int | None


def theme_out(theme) -> dict:
    version = int(theme.updated_at.timestamp())
    return {
        **{key: getattr(theme, key) for key in ("id", "name", "is_default", "primary_color", "neutral_color", "accent_color",
                                                "font_family", "radius", "density", "dark_tokens", "updated_at")},
        "logo_url": f"/web/theme/{theme.pk}/logo?v={version}" if theme.logo_type else None,
        "favicon_url": f"/web/theme/{theme.pk}/favicon?v={version}" if theme.favicon_type else None,
        "css_url": f"/web/theme/{theme.pk}.css?v={version}",
        "owner_model": theme.owner_model or None, "owner_id": theme.owner_id or None,
    }


@router.get("/themes", response=list[ThemeOut], summary="Themes")
def list_themes(request):
    return [theme_out(t) for t in services.themes_for(request.user)]


@router.post("/themes", response={201: ThemeOut}, summary="Create a theme (administrators)")
def create_theme(request, payload: ThemeIn):
    return 201, theme_out(services.create_theme(request.user, **payload.dict()))


@router.get("/themes/{theme_id}", response=ThemeOut, summary="One theme")
def get_theme(request, theme_id: int):
    return theme_out(services.get_theme(request.user, theme_id))


@router.get("/themes/{theme_id}/css", summary="A theme as CSS custom properties")
def get_theme_css(request, theme_id: int):
    return HttpResponse(services.theme_css(services.get_theme(request.user, theme_id)), content_type="text/css; charset=utf-8")


@router.patch("/themes/{theme_id}", response=ThemeOut, summary="Change a theme's tokens, or make it the default (administrators)")
def update_theme(request, theme_id: int, payload: ThemePatch):
    theme = services.get_theme(request.user, theme_id)
    values = payload.dict(exclude_unset=True)
    make_default = values.pop("is_default", None)
    if values:
        theme = services.update_theme(request.user, theme, **values)
    if make_default:
        theme = services.set_default_theme(request.user, theme)
    return theme_out(theme)


@router.delete("/themes/{theme_id}", response={204: None}, summary="Delete a theme (administrators)")
def delete_theme(request, theme_id: int):
    services.delete_theme(request.user, services.get_theme(request.user, theme_id))
    return 204, None


@router.post("/themes/{theme_id}/logo", response=ThemeOut, summary="Upload the logo: SVG (sanitised, never with script), PNG or JPEG")
def upload_logo(request, theme_id: int, file: File[UploadedFile]):
    theme = services.get_theme(request.user, theme_id)
    return theme_out(services.upload_image(request.user, theme, "logo", _read(file), file.content_type or ""))


@router.post("/themes/{theme_id}/favicon", response=ThemeOut, summary="Upload the favicon: SVG, PNG or ICO")
def upload_favicon(request, theme_id: int, file: File[UploadedFile]):
    theme = services.get_theme(request.user, theme_id)
    return theme_out(services.upload_image(request.user, theme, "favicon", _read(file), file.content_type or ""))


def _read(file) -> bytes:
    from workos.kernel.errors import TooLarge

    if file.size and file.size > services.MAX_BYTES:
        raise TooLarge(f"images are limited to {services.MAX_BYTES // 1024} KB", field="file")
    return file.read(services.MAX_BYTES + 1)


@router.get("/theme-assignments", response=AssignmentOut, summary="The theme an object (a workspace) uses")
def get_assignment(request, scope_model: str, scope_id: str):
    obj = permissions.object_for(scope_model, scope_id)
    assignment = services.assignment_of(request.user, obj)
    return {"scope_model": scope_model, "scope_id": str(obj.pk), "theme_id": assignment.theme_id if assignment else None}


@router.put("/theme-assignments", response=AssignmentOut, summary="Choose the theme of an object (needs full access to it)")
def put_assignment(request, payload: AssignmentIn):
    obj = permissions.object_for(payload.scope_model, payload.scope_id)
    theme = services.get_theme(request.user, payload.theme_id) if payload.theme_id is not None else None
    services.assign_theme(request.user, obj, theme)
    return {"scope_model": payload.scope_model, "scope_id": str(obj.pk), "theme_id": theme.pk if theme else None}
