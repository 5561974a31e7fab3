"""Validating row values against the schema: the context property types check against, and audit values."""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.db.models import Q

from ipai_platform_permissions import services as permissions
from workos.kernel.errors import InvalidInput

from .. import query
from ..models import Database, Property, Row, RowRelation
from ..properties import Context, PropertyError, property_type
from ..query import Schema
from ._common import UNSET


def context_for(actor, database: Database, create_options: bool = False) -> Context:
    User = get_user_model()

    def member(user) -> bool:
        return permissions.role_of(user, database) is not None

    def resolve_users(ids):
        users = User.objects.filter(pk__in=ids, is_active=True)
        return {user.pk: user for user in users if member(user)}

    def resolve_users_by_name(names):
        folded = {name.casefold() for name in names}
        found = {}
        for user in User.objects.filter(is_active=True).filter(Q(username__in=names) | Q(email__in=names) | Q(username__iregex=r"^(" + "|".join(re.escape(n) for n in names) + r")$")):
            for key in (user.username.casefold(), (user.email or "").casefold()):
                if key in folded and member(user):
                    found[key] = user.pk
        return found

    readable_targets: dict = {}

    def readable_target(config):
        """The related database if the actor can read it, decided once per context (many rows in one call)."""
        database_id = config.get("database_id")
        if database_id not in readable_targets:
            target = Database.objects.filter(pk=database_id).first()
            readable_targets[database_id] = target if target is not None and permissions.can(actor, "read", target) else None
        return readable_targets[database_id]

    def resolve_rows(config, ids):
        target = readable_target(config)
        if target is None:
            return set()
        return set(Row.objects.filter(database=target, pk__in=ids, archived_at__isnull=True).values_list("pk", flat=True))

    def rows_by_title(config, titles):
        target = readable_target(config)
        if target is None:
            return {}
        found = {}
        for pk, title in Row.objects.filter(database=target, page__title__in=titles, archived_at__isnull=True).order_by("rank", "id").values_list("pk", "page__title"):
            found.setdefault(title, pk)
        return found

    return Context(database=database, actor=actor, resolve_users=resolve_users, resolve_users_by_name=resolve_users_by_name,
                   resolve_rows=resolve_rows, rows_by_title=rows_by_title, create_options=create_options)


def _clean_values(schema: Schema, values, context: Context, *, partial: bool) -> tuple[dict, dict, str | None]:
    """(stored values by key or None to clear, relation ids by property, title) from a client's ``values``
    keyed by property id or name; InvalidInput naming the first bad property."""
    if values is None:
        values = {}
    if not isinstance(values, dict):
        raise InvalidInput("values is an object keyed by property id or name", field="values")
    stored, relations, title = {}, {}, UNSET
    for reference, value in values.items():
        prop = schema.find(reference, field=f"values.{reference}")
        entry = property_type(prop.type)
        field = f"values.{prop.pk}"
        if not entry.editable:
            raise InvalidInput(f"{prop.name}: cannot be set, {entry.read_only} ({prop.type})", field=field)
        try:
            cleaned = entry.clean(value, prop.config, context)
        except PropertyError as error:
            raise InvalidInput(f"{prop.name}: {error.message}", field=field + (f".{error.path}" if error.path and not error.path.startswith("[") else error.path)) from None
        if entry.column == "page__title":
            title = cleaned or ""
        elif entry.relation:
            relations[prop] = cleaned
        else:
            stored[prop.key] = cleaned
    return stored, relations, (None if title is UNSET else title)


def _apply(values: dict, changes: dict) -> dict:
    result = dict(values)
    for key, value in changes.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = value
    return result


def _set_links(prop: Property, row: Row, ids: list[int]) -> None:
    owner, forward = query.relation_owner(prop)
    mine, other = ("source", "target") if forward else ("target", "source")
    existing = RowRelation.objects.filter(property_id=owner, **{mine: row})
    existing.exclude(**{f"{other}_id__in": ids}).delete()
    present = dict(existing.values_list(f"{other}_id", "id"))
    for position, other_id in enumerate(ids):
        if other_id in present:
            RowRelation.objects.filter(pk=present[other_id]).update(position=position)
        else:
            RowRelation.objects.create(property_id=owner, position=position, **{mine: row, f"{other}_id": other_id})


def _audit_values(schema: Schema, stored: dict, relations: dict, title) -> dict:
    keyed = {prop.key: prop.name for prop in schema.properties}
    changes = {keyed.get(key, key): value for key, value in stored.items()}
    changes.update({prop.name: ids for prop, ids in relations.items()})
    if title is not None:
        changes["title"] = title
    return changes
