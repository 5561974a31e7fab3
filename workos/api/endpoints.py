"""The API's own resources: personal tokens and the current user."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import SESSION_KEY, authenticate, update_session_auth_hash
from ninja import Router, Schema

from workos.kernel.errors import NotAuthenticated
from workos.kernel.hooks import auth_event

from . import services

router = Router(tags=["auth"])


class TokenRequest(Schema):
    username: str
    password: str
    name: str = "token"
    read_only: bool = False
    expires_at: datetime | None = None


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    read_only: bool
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenOut):
    token: str


class MeOut(Schema):
    id: int
    username: str
    first_name: str
    last_name: str
    name: str
    email: str
    is_admin: bool


class MePatch(Schema):
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None


class PasswordChange(Schema):
    current_password: str
    new_password: str


@router.post("/auth/token", auth=None, response={201: TokenCreated}, summary="Exchange a login and password for a bearer token")
def create_token(request, payload: TokenRequest):
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None:
        auth_event("login_failed", request=request, username=payload.username[:150], details={"via": "api token"})
        raise NotAuthenticated("wrong login or password")
    token, raw = services.create_token(user, payload.name, payload.read_only, payload.expires_at)
    return 201, {**TokenOut.from_orm(token).dict(), "token": raw}


@router.get("/auth/tokens", response=list[TokenOut], summary="Your tokens")
def list_tokens(request):
    return list(request.user.api_tokens.all())


@router.delete("/auth/tokens/{token_id}", response=TokenOut, summary="Revoke one of your tokens")
def revoke_token(request, token_id: int):
    return services.revoke_token(request.user, token_id)


def _me(user) -> dict:
    return {"id": user.pk, "username": user.get_username(), "first_name": user.first_name, "last_name": user.last_name,
            "name": user.get_full_name() or user.get_username(), "email": user.email, "is_admin": user.is_superuser}


@router.get("/me", response=MeOut, summary="The authenticated user")
def me(request):
    return _me(request.user)


@router.patch("/me", response=MeOut, summary="Change your name or e-mail address")
def update_me(request, payload: MePatch):
    return _me(services.update_account(request.user, **payload.dict(exclude_unset=True)))


@router.post("/me/password", response=MeOut, summary="Change your password (the current one is needed); your other browser sessions end")
def change_password(request, payload: PasswordChange):
    user = services.change_password(request.user, payload.current_password, payload.new_password, request=request)
    session = getattr(request, "session", None)
    if session is not None and session.get(SESSION_KEY) == str(user.pk):
        update_session_auth_hash(request, user)  # the browser that asked stays signed in
    return _me(user)
