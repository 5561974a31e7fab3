"""``/api/v1/permissions``, ``/api/v1/share-tokens`` and ``/api/v1/shared/{token}``: thin over the services."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Router, Schema

from workos.api.auth import session_auth, token_auth
from workos.kernel.errors import NotAuthenticated

from . import services


router = Router(tags=["permissions"])

LevelName = Literal["manage", "edit", "comment", "view", "none"]


class PermissionOut(Schema):
    id: int
    scope_model: str
    scope_id: str
    user_id: int | None
    group_id: int | None
    level: str
    created_at: datetime
    updated_at: datetime


class PermissionIn(Schema):
    scope_model: str
    scope_id: str
    level: LevelName
    user_id: int | None = None
    group_id: int | None = None


class PermissionPatch(Schema):
    level: LevelName


class CheckOut(Schema):
    scope_model: str
    scope_id: str
    level: str
    role: str | None
    actions: dict[str, bool]


class ShareTokenOut(Schema):
    id: int
    prefix: str
    scope_model: str
    scope_id: str
    level: str
    audience: str
    expires_at: datetime | None
    revoked_at: datetime | None
    created_at: datetime


class ShareTokenCreated(ShareTokenOut):
    token: str
    url: str


class ShareTokenIn(Schema):
    scope_model: str
    scope_id: str
    level: Literal["view", "comment", "edit"] = "view"
    audience: Literal["public", "members"] = "members"
    expires_at: datetime | None = None


class SharedOut(Schema):
    scope_model: str
    scope_id: str
    name: str
    level: str
    audience: str
    expires_at: datetime | None


@router.get("/permissions", response=list[PermissionOut], summary="Grants on one object (not inherited ones)")
def list_permissions(request, scope_model: str, scope_id: str):
    return list(services.grants_on(request.user, services.object_for(scope_model, scope_id)))


@router.post("/permissions", response={201: PermissionOut}, summary="Grant a user or a group a level on an object")
def create_permission(request, payload: PermissionIn):
    obj = services.object_for(payload.scope_model, payload.scope_id)
    return 201, services.grant(request.user, obj, payload.level, user_id=payload.user_id, group_id=payload.group_id)


@router.get("/permissions/check", response=CheckOut, summary="Your level and allowed actions on an object")
def check_permissions(request, scope_model: str, scope_id: str):
    obj = services.object_for(scope_model, scope_id)
    services.require(request.user, "read", obj)
    return {
        "scope_model": scope_model, "scope_id": str(obj.pk), "level": services.level_of(request.user, obj),
        "role": services.role_of(request.user, obj), "actions": services.allowed_actions(request.user, obj),
    }


@router.patch("/permissions/{grant_id}", response=PermissionOut, summary="Change the level of a grant")
def update_permission(request, grant_id: int, payload: PermissionPatch):
    return services.update_grant(request.user, grant_id, payload.level)


@router.delete("/permissions/{grant_id}", response={204: None}, summary="Remove a grant")
def delete_permission(request, grant_id: int):
    services.revoke_grant(request.user, grant_id)
    return 204, None


@router.get("/share-tokens", response=list[ShareTokenOut], summary="Share links of one object (needs share rights)")
def list_share_tokens(request, scope_model: str, scope_id: str):
    return list(services.share_tokens_on(request.user, services.object_for(scope_model, scope_id)))


@router.post("/share-tokens", response={201: ShareTokenCreated}, summary="Create a share link; its secret is shown once")
def create_share_token(request, payload: ShareTokenIn):
    obj = services.object_for(payload.scope_model, payload.scope_id)
    token, raw = services.create_share_token(request.user, obj, payload.level, payload.audience, payload.expires_at)
    body = ShareTokenOut.from_orm(token).dict()
    return 201, {**body, "token": raw, "url": f"/web/shared/{raw}"}


@router.delete("/share-tokens/{token_id}", response=ShareTokenOut, summary="Revoke a share link")
def revoke_share_token(request, token_id: int):
    return services.revoke_share_token(request.user, token_id)


def _anyone(request):
    """Share links work without logging in: after the bearer token and the session, anyone passes."""
    return True


SHARE_LINK_AUTH = [token_auth, session_auth, _anyone]
"""The ``auth`` of a read that also opens with a share link: the service decides what the link shows."""


def share_link_reader(request, share: str = ""):
    """Who reads, for a route under ``SHARE_LINK_AUTH``: ``(user, share token)``, the user ``None`` when not
    logged in, the token ``None`` when no link was given. Neither: NotAuthenticated; a link that does not work:
    NotFound (see ``services.resolve_share_token``)."""
    user = request.user if getattr(request.user, "is_authenticated", False) else None
    token = services.resolve_share_token(share, user) if share else None
    if user is None and token is None:
        raise NotAuthenticated("authentication required: log in, send a bearer token or open a share link")
    return user, token


@router.get("/shared/{token}", response=SharedOut, auth=SHARE_LINK_AUTH, summary="What a share link opens")
def open_shared(request, token: str):
    user, share = share_link_reader(request, token)
    obj = services.shared_object(share)
    return {
        "scope_model": share.scope_model, "scope_id": share.scope_id, "name": services.label_of(obj),
        "level": services.level_of(user, obj, share=share), "audience": share.audience, "expires_at": share.expires_at,
    }


