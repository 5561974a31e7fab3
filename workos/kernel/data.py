"""Module data files: menus, window actions and seed records, loaded at install and reloaded at upgrade.

A data file is TOML with arrays of tables, one array per kind::

    [[action]]
    id = "action_pages"                  # external id, local to the module
    name = "Pages"
    res_model = "ipai.workos.page"
    view_mode = "list,form"

    [[menu]]
    id = "menu_pages"
    name = "Pages"
    parent = "ipai_workos_core.menu_root" # another module's id is written module.id
    action = "action_pages"
    sequence = 10
    groups = ["admin"]                    # shown only to these MENU_GROUPS (Odoo's groups); default: everyone

    [[record]]
    id = "theme_default"
    model = "ipai.theme"
    values = { name = "Default" }

Each kind is a loader in ``DATA_LOADERS``. Every loaded record gets an ``ir_model_data`` row naming the module
that owns it; an upgrade updates those records and deletes the ones its files no longer mention.

A ``[[record]]`` of a model whose module registered a validator in ``RECORD_VALIDATORS`` passes the same checks
as the module's services before it is saved, so seed data can never hold what the module itself would refuse.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models

from .errors import ServiceError
from .models import Menu, ModelData, WindowAction
from .registry import Registry


class DataError(Exception):
    """A data file that cannot be loaded; the message names the file and the record."""


@dataclass(frozen=True)
class DataLoader:
    kind: str
    model_name: str  # technical name recorded in ir_model_data
    load: Callable[["DataContext", dict], models.Model]


DATA_LOADERS: Registry[DataLoader] = Registry("data loader")

# technical model name -> validate(values) -> the values normalised; raises a ServiceError (InvalidInput) for
# what the owning module's services refuse. Registered by that module in its AppConfig.ready().
RecordValidator = Callable[[dict], dict]
RECORD_VALIDATORS: Registry[RecordValidator] = Registry("seed record validator")

# menu group name -> whether a user belongs to it (who sees a menu that names the group).
MenuGroup = Callable[[Any], bool]
MENU_GROUPS: Registry[MenuGroup] = Registry("menu group")
MENU_GROUPS.register("admin", lambda user: bool(getattr(user, "is_superuser", False)))


class DataContext:
    def __init__(self, module: str, file: Path):
        self.module = module
        self.file = file
        self.loaded: set[tuple[str, str]] = set()

    def external_id(self, reference: str) -> tuple[str, str]:
        module, _, name = reference.rpartition(".")
        return (module or self.module, name)

    def resolve(self, reference: str, model_name: str) -> int:
        module, name = self.external_id(reference)
        row = ModelData.objects.filter(module=module, name=name).first()
        if row is None or row.model != model_name:
            raise DataError(f"{self.file}: reference {reference!r} is not a known {model_name} record")
        return row.res_id

    def existing(self, name: str, model_name: str) -> int | None:
        row = ModelData.objects.filter(module=self.module, name=name, model=model_name).first()
        return row.res_id if row else None

    def remember(self, name: str, model_name: str, record: models.Model) -> None:
        ModelData.objects.update_or_create(
            module=self.module, name=name, defaults={"model": model_name, "res_id": record.pk}
        )
        self.loaded.add((self.module, name))


def _require(context: DataContext, entry: dict, *keys: str) -> None:
    for key in keys:
        if not entry.get(key):
            raise DataError(f"{context.file}: entry {entry.get('id', '?')!r} is missing {key!r}")


def _save(context: DataContext, model_class, pk: int | None, values: dict, entry: dict) -> models.Model:
    record = model_class.objects.filter(pk=pk).first() if pk else None
    record = record or model_class()
    for key, value in values.items():
        setattr(record, key, value)
    try:
        record.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        raise DataError(f"{context.file}: entry {entry.get('id')!r}: {error.message_dict}") from None
    record.save()
    return record


def load_action(context: DataContext, entry: dict) -> models.Model:
    _require(context, entry, "id", "name", "res_model")
    values = {
        "name": entry["name"],
        "res_model": entry["res_model"],
        "view_mode": entry.get("view_mode", "list,form"),
        "path": entry.get("path", ""),
        "help": entry.get("help", ""),
    }
    record = _save(context, WindowAction, context.existing(entry["id"], "ir.actions.act_window"), values, entry)
    context.remember(entry["id"], "ir.actions.act_window", record)
    return record


def _menu_groups(context: DataContext, entry: dict) -> str:
    groups = entry.get("groups", [])
    if not isinstance(groups, list) or not all(isinstance(name, str) and name in MENU_GROUPS for name in groups):
        raise DataError(f"{context.file}: menu {entry.get('id')!r}: groups is a list of {', '.join(MENU_GROUPS)}")
    return ",".join(groups)


def load_menu(context: DataContext, entry: dict) -> models.Model:
    _require(context, entry, "id", "name")
    values = {
        "groups": _menu_groups(context, entry),
        "name": entry["name"],
        "sequence": int(entry.get("sequence", 10)),
        "web_icon": entry.get("icon", ""),
        "parent_id": context.resolve(entry["parent"], "ir.ui.menu") if entry.get("parent") else None,
        "action_id": context.resolve(entry["action"], "ir.actions.act_window") if entry.get("action") else None,
    }
    record = _save(context, Menu, context.existing(entry["id"], "ir.ui.menu"), values, entry)
    context.remember(entry["id"], "ir.ui.menu", record)
    return record


def model_for(technical_name: str):
    """The Django model registered under a dotted technical name, among the loaded apps."""
    for model in apps.get_models():
        if technical_name_of(model) == technical_name:
            return model
    return None


def technical_name_of(model) -> str:
    """``ipai_workos_page`` -> ``ipai.workos.page``: Odoo's naming, read backwards from the table."""
    return getattr(model, "technical_name", None) or model._meta.db_table.replace("_", ".")


def load_record(context: DataContext, entry: dict) -> models.Model:
    _require(context, entry, "id", "model")
    model_class = model_for(entry["model"])
    if model_class is None:
        raise DataError(f"{context.file}: entry {entry['id']!r}: unknown model {entry['model']!r}")
    values = dict(entry.get("values", {}))
    if entry["model"] in RECORD_VALIDATORS:
        try:
            values = RECORD_VALIDATORS.get(entry["model"])(values)
        except ServiceError as error:
            where = f" ({error.field})" if error.field else ""
            raise DataError(f"{context.file}: entry {entry['id']!r}{where}: {error.message}") from None
    for field_name, reference in entry.get("refs", {}).items():
        field = model_class._meta.get_field(field_name)
        values[field.attname] = context.resolve(reference, technical_name_of(field.related_model))
    record = _save(context, model_class, context.existing(entry["id"], entry["model"]), values, entry)
    context.remember(entry["id"], entry["model"], record)
    return record


DATA_LOADERS.register("action", DataLoader("action", "ir.actions.act_window", load_action))
DATA_LOADERS.register("menu", DataLoader("menu", "ir.ui.menu", load_menu))
DATA_LOADERS.register("record", DataLoader("record", "", load_record))  # model named per entry

# Load order inside one file: actions before the menus that open them, records last.
KIND_ORDER = ["action", "menu", "record"]


def load_file(module: str, path: Path) -> set[tuple[str, str]]:
    """Load one data file; return the external ids it defined."""
    try:
        content: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise DataError(f"{path}: cannot be read as TOML: {error}") from None
    unknown = set(content) - set(KIND_ORDER)
    if unknown:
        raise DataError(f"{path}: unknown data kinds {sorted(unknown)}; known: {KIND_ORDER}")
    context = DataContext(module, path)
    for kind in KIND_ORDER:
        for entry in content.get(kind, []):
            if not isinstance(entry, dict):
                raise DataError(f"{path}: every [[{kind}]] entry must be a table")
            DATA_LOADERS.get(kind).load(context, entry)
    return context.loaded


def delete_owned(module: str, keep: set[tuple[str, str]] | None = None, skip_models: set[str] | None = None) -> int:
    """Delete the records ``module`` loaded that are not in ``keep``; menus and records before actions.

    ``skip_models`` are models whose tables are about to be dropped (an uninstall): their rows go with them.
    Records of modules' models are deleted with plain SQL, not the ORM's cascade: in an installer process every
    module's models are loaded but only installed ones have tables, so the ORM would look for rows in tables
    that do not exist. A row elsewhere that still references the record makes the run fail on its foreign key
    and roll back, instead of being deleted behind the operator's back.
    """
    keep = keep or set()
    skip_models = skip_models or set()
    stale = [row for row in ModelData.objects.filter(module=module) if (row.module, row.name) not in keep]
    priority = {"ir.ui.menu": 0, "ir.actions.act_window": 2}
    for row in sorted(stale, key=lambda r: (priority.get(r.model, 1), -r.res_id)):
        if row.model == "ir.ui.menu":
            Menu.objects.filter(pk=row.res_id).delete()
        elif row.model == "ir.actions.act_window":
            WindowAction.objects.filter(pk=row.res_id).delete()
        elif row.model not in skip_models:
            model_class = model_for(row.model)
            if model_class is not None:
                queryset = model_class.objects.filter(pk=row.res_id)
                queryset._raw_delete(queryset.db)
        row.delete()
    return len(stale)
