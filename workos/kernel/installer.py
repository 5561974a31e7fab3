"""Install, upgrade and uninstall modules: the kernel's one write path to the registry tables.

A run is all-or-nothing (DESIGN.md §4): every check that can refuse happens before the first write, and all
writes — the module list, migrations, data and registry rows — happen inside one database transaction. On
PostgreSQL DDL is transactional. On SQLite it is too, once foreign-key enforcement is switched off before the
transaction starts (Django's SQLite schema editor needs it off, and SQLite ignores that pragma inside a
transaction); the constraints are checked before commit. A killed process therefore leaves no module in
``to install`` or ``to upgrade``: its transaction never committed.
"""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterator

from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.executor import MigrationExecutor

from . import data
from .addons import AddonsScan, content_checksum, scan_addons
from .graph import DependencyError, dependency_closure, dependents, topological_order
from .models import Model, ModelField, Module, ModuleDependency, ModuleState

log = logging.getLogger("workos.kernel.installer")

KERNEL_APP_LABELS = ["contenttypes", "auth", "sessions", "axes", "kernel", "web", "api"]
INSTALLED_STATES = (ModuleState.INSTALLED, ModuleState.TO_UPGRADE, ModuleState.TO_REMOVE)


class InstallError(Exception):
    """A run that was refused or failed; nothing it did was kept. The message names the module and cause."""

    def __init__(self, message: str, module: str | None = None):
        super().__init__(message)
        self.module = module


@dataclass
class RunReport:
    installed: list[str] = field(default_factory=list)
    upgraded: list[str] = field(default_factory=list)
    uninstalled: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {
            "installed": self.installed,
            "upgraded": self.upgraded,
            "uninstalled": self.uninstalled,
            "skipped": self.skipped,
            "seconds": round(self.seconds, 3),
        }


Progress = Callable[[str, str], None]  # (module, step)


def _no_progress(module: str, step: str) -> None:
    pass


class Installer:
    def __init__(self, scan: AddonsScan | None = None, progress: Progress = _no_progress, using: str = DEFAULT_DB_ALIAS):
        self.scan = scan or scan_addons(settings.WORKOS_ADDONS.folders)
        self.progress = progress
        self.using = using
        self.connection = connections[using]

    # --- what is there ------------------------------------------------------------------------------

    def installed_names(self) -> set[str]:
        if not self._kernel_ready():
            return set()
        return set(Module.objects.using(self.using).filter(state__in=INSTALLED_STATES).values_list("name", flat=True))

    def changed_names(self) -> list[str]:
        """Installed modules whose manifest version or content checksum differs from what was last installed."""
        changed = []
        for row in Module.objects.using(self.using).filter(state__in=INSTALLED_STATES):
            manifest = self.scan.manifest(row.name)
            if manifest and (manifest.version != row.latest_version or content_checksum(manifest.path) != row.checksum):
                changed.append(row.name)
        return sorted(changed)

    def _kernel_ready(self) -> bool:
        return "ir_module_module" in self.connection.introspection.table_names()

    # --- the three runs -----------------------------------------------------------------------------

    def install(self, names: list[str], demo: bool = False) -> RunReport:
        """Install ``names`` and every module they need, dependencies first."""
        started = time.monotonic()
        self._require_loaded(names)
        order = self._closure(names)
        installed = self.installed_names()
        report = RunReport(skipped=[n for n in names if n in installed])
        with self._run():
            self._refresh_module_list()
            to_install = [name for name in order if name not in installed]
            Module.objects.using(self.using).filter(name__in=to_install).update(state=ModuleState.TO_INSTALL)
            for name in to_install:
                self._install_one(name, demo=demo)
                report.installed.append(name)
        report.seconds = time.monotonic() - started
        log.info("install run done: installed %s", ", ".join(report.installed) or "nothing")
        return report

    def upgrade(self, names: list[str] | None = None, changed: bool = False, everything: bool = False) -> RunReport:
        """Upgrade the named installed modules, or those that changed, or all installed ones."""
        started = time.monotonic()
        installed = self.installed_names()
        if everything:
            selected = sorted(installed)
        elif changed:
            selected = self.changed_names()
        else:
            selected = list(names or [])
            not_installed = [n for n in selected if n not in installed]
            if not_installed:
                raise InstallError(f"cannot upgrade modules that are not installed: {', '.join(not_installed)}")
        self._require_loaded(selected)
        self._closure(selected)  # refuses a missing dependency or a cycle the new code introduced
        missing_dependencies = {
            dependency: name
            for name in selected
            for dependency in self.scan.modules[name].depends
            if dependency not in installed
        }
        order = topological_order(set(selected), self.scan.modules)
        report = RunReport()
        with self._run():
            self._refresh_module_list()
            # A new version may depend on a module that was never installed: install it first, like Odoo.
            for dependency in dependency_closure(sorted(missing_dependencies), self.scan.modules):
                if dependency not in installed:
                    self._install_one(dependency, demo=False)
                    report.installed.append(dependency)
            Module.objects.using(self.using).filter(name__in=order).update(state=ModuleState.TO_UPGRADE)
            for name in order:
                self._upgrade_one(name)
                report.upgraded.append(name)
        report.seconds = time.monotonic() - started
        log.info("upgrade run done: upgraded %s", ", ".join(report.upgraded) or "nothing")
        return report

    def uninstall(self, names: list[str], cascade: bool = False) -> RunReport:
        """Uninstall ``names``; refused while an installed module depends on one of them unless ``cascade``."""
        started = time.monotonic()
        installed = self.installed_names()
        not_installed = [n for n in names if n not in installed]
        if not_installed:
            raise InstallError(f"cannot uninstall modules that are not installed: {', '.join(not_installed)}")
        self._require_loaded(names)
        removal = set(names)
        for name in names:
            blocking = dependents(name, installed, self.scan.modules) - removal
            if blocking and not cascade:
                raise InstallError(
                    f"cannot uninstall {name}: installed modules depend on it: {', '.join(sorted(blocking))} "
                    "(uninstall them first, or use --cascade)",
                    module=name,
                )
            removal |= blocking
        self._require_loaded(sorted(removal))
        order = list(reversed(topological_order(removal, self.scan.modules)))
        report = RunReport()
        with self._run():
            Module.objects.using(self.using).filter(name__in=order).update(state=ModuleState.TO_REMOVE)
            for name in order:
                self._uninstall_one(name)
                report.uninstalled.append(name)
        report.seconds = time.monotonic() - started
        log.info("uninstall run done: removed %s", ", ".join(report.uninstalled))
        return report

    def ensure_kernel(self) -> None:
        """Create or update the kernel's own tables (Odoo's ``base``): every other run starts with this."""
        executor = MigrationExecutor(self.connection)
        targets = [
            key for label in KERNEL_APP_LABELS for key in executor.loader.graph.leaf_nodes(label)
        ]
        if executor.migration_plan(targets):
            executor.migrate(targets)

    # --- one module at a time -----------------------------------------------------------------------

    def _install_one(self, name: str, demo: bool) -> None:
        manifest = self.scan.modules[name]
        self._step(name, "migrate", lambda: self._migrate(name))
        self._step(name, "register models", lambda: self._register_models(name))
        self._step(name, "load data", lambda: self._load_data(name, demo=demo))
        Module.objects.using(self.using).filter(name=name).update(
            state=ModuleState.INSTALLED,
            latest_version=manifest.version,
            checksum=content_checksum(manifest.path),
            demo=demo and bool(manifest.demo),
        )
        log.info("installed %s %s", name, manifest.version)

    def _upgrade_one(self, name: str) -> None:
        manifest = self.scan.modules[name]
        row = Module.objects.using(self.using).get(name=name)
        self._step(name, "migrate", lambda: self._migrate(name))
        self._step(name, "register models", lambda: self._register_models(name))
        self._step(name, "load data", lambda: self._load_data(name, demo=row.demo))
        Module.objects.using(self.using).filter(name=name).update(
            state=ModuleState.INSTALLED, latest_version=manifest.version, checksum=content_checksum(manifest.path)
        )
        log.info("upgraded %s %s -> %s", name, row.latest_version, manifest.version)

    def _uninstall_one(self, name: str) -> None:
        own_models = {data.technical_name_of(model) for model in apps.get_app_config(name).get_models()}
        self._step(name, "remove data", lambda: data.delete_owned(name, skip_models=own_models))
        self._step(name, "unregister models", lambda: Model.objects.using(self.using).filter(modules=name).delete())
        self._step(name, "reverse migrations", lambda: self._migrate(name, backwards=True))
        Module.objects.using(self.using).filter(name=name).update(
            state=ModuleState.UNINSTALLED, latest_version=None, checksum="", demo=False
        )
        log.info("uninstalled %s", name)

    def _step(self, name: str, step: str, action: Callable[[], object]) -> None:
        self.progress(name, step)
        try:
            action()
        except InstallError:
            raise
        except Exception as error:  # any failure inside a module's run aborts the whole run, named
            log.exception("module %s failed during %s", name, step)
            raise InstallError(f"module {name} failed during {step}: {type(error).__name__}: {error}", module=name) from error

    # --- the parts ----------------------------------------------------------------------------------

    def _migrate(self, name: str, backwards: bool = False) -> None:
        executor = MigrationExecutor(self.connection)
        graph = executor.loader.graph
        if name not in executor.loader.migrated_apps:
            return
        targets = [(name, None)] if backwards else graph.leaf_nodes(name)
        plan = executor.migration_plan(targets)
        if plan:
            executor.migrate(targets, plan=plan)

    def _register_models(self, name: str) -> None:
        """Write ``ir_model``/``ir_model_fields`` rows for the module's models; drop those it no longer has."""
        app_config = apps.get_app_config(name)
        seen = []
        for model_class in app_config.get_models():
            technical_name = data.technical_name_of(model_class)
            seen.append(technical_name)
            label = str(model_class._meta.verbose_name).capitalize()
            record, _ = Model.objects.using(self.using).update_or_create(
                model=technical_name,
                defaults={"name": label, "modules": name, "table_name": model_class._meta.db_table, "info": (model_class.__doc__ or "").strip()[:2000]},
            )
            field_names = []
            for model_field in model_class._meta.get_fields():
                if model_field.auto_created and not model_field.concrete:
                    continue  # reverse relations belong to the other model
                field_names.append(model_field.name)
                related = model_field.related_model
                ModelField.objects.using(self.using).update_or_create(
                    model=technical_name,
                    name=model_field.name,
                    defaults={
                        "ir_model": record,
                        "field_description": str(getattr(model_field, "verbose_name", model_field.name)).capitalize(),
                        "ttype": field_type(model_field),
                        "relation": data.technical_name_of(related) if related else "",
                        "required": bool(getattr(model_field, "concrete", False) and not model_field.null and not model_field.blank and not model_field.has_default() and not model_field.primary_key),
                        "column_name": getattr(model_field, "column", "") or "",
                    },
                )
            ModelField.objects.using(self.using).filter(model=technical_name).exclude(name__in=field_names).delete()
        Model.objects.using(self.using).filter(modules=name).exclude(model__in=seen).delete()

    def _load_data(self, name: str, demo: bool) -> None:
        manifest = self.scan.modules[name]
        files = list(manifest.data) + (list(manifest.demo) if demo else [])
        loaded: set[tuple[str, str]] = set()
        for relative in files:
            loaded |= data.load_file(name, manifest.path / relative)
        data.delete_owned(name, keep=loaded)

    def _refresh_module_list(self) -> None:
        """Odoo's "Update Apps List": a row per module on the addons path, with its manifest's texts."""
        existing = {row.name: row for row in Module.objects.using(self.using).all()}
        for name, manifest in self.scan.modules.items():
            values = {
                "shortdesc": manifest.name,
                "summary": manifest.summary,
                "description": manifest.description,
                "category": manifest.category,
                "author": manifest.author,
                "website": manifest.website,
                "license": manifest.license,
                "application": manifest.application,
                "auto_install": manifest.auto_install,
                "path": str(manifest.path),
            }
            row = existing.get(name)
            if row is None:
                row = Module.objects.using(self.using).create(name=name, state=ModuleState.UNINSTALLED, **values)
            elif any(getattr(row, key) != value for key, value in values.items()):
                Module.objects.using(self.using).filter(pk=row.pk).update(**values)
            wanted = set(manifest.depends)
            have = set(ModuleDependency.objects.using(self.using).filter(module=row).values_list("name", flat=True))
            ModuleDependency.objects.using(self.using).filter(module=row, name__in=have - wanted).delete()
            ModuleDependency.objects.using(self.using).bulk_create(
                [ModuleDependency(module=row, name=dependency) for dependency in sorted(wanted - have)]
            )

    def refresh_module_list(self) -> None:
        with self._run():
            self._refresh_module_list()

    # --- guards -------------------------------------------------------------------------------------

    def _closure(self, names: list[str]) -> list[str]:
        try:
            return dependency_closure(names, self.scan.modules, self.scan.invalid)
        except DependencyError as error:
            raise InstallError(str(error)) from None

    def _require_loaded(self, names: list[str]) -> None:
        for name in names:
            if name in self.scan.invalid:
                raise InstallError(f"invalid manifest: {self.scan.invalid[name]}", module=name)
            if name not in self.scan.modules:
                raise InstallError(f"module {name} is not on the addons path", module=name)
        for name in self._closure(names):
            if not apps.is_installed(name):
                raise InstallError(
                    f"module {name} is not loaded in this process; run module commands through the installer "
                    "(workos module ...), which loads every module",
                    module=name,
                )

    @contextmanager
    def _run(self) -> Iterator[None]:
        """One transaction for the whole run; on SQLite with foreign keys off until it ends (see module doc)."""
        is_sqlite = self.connection.vendor == "sqlite"
        if is_sqlite:
            self.connection.disable_constraint_checking()
        try:
            with transaction.atomic(using=self.using):
                if self.connection.vendor == "postgresql":
                    with self.connection.cursor() as cursor:
                        # One run at a time per database; a second waits instead of interleaving.
                        cursor.execute("SELECT pg_advisory_xact_lock(8069001)")
                self.ensure_kernel()
                yield
                if is_sqlite:
                    self.connection.check_constraints()
        finally:
            if is_sqlite:
                self.connection.enable_constraint_checking()


FIELD_TYPES = {
    "AutoField": "integer",
    "BigAutoField": "integer",
    "SmallAutoField": "integer",
    "IntegerField": "integer",
    "BigIntegerField": "integer",
    "SmallIntegerField": "integer",
    "PositiveIntegerField": "integer",
    "PositiveBigIntegerField": "integer",
    "PositiveSmallIntegerField": "integer",
    "FloatField": "float",
    "DecimalField": "monetary",
    "BooleanField": "boolean",
    "CharField": "char",
    "SlugField": "char",
    "EmailField": "char",
    "URLField": "char",
    "UUIDField": "char",
    "GenericIPAddressField": "char",
    "TextField": "text",
    "DateField": "date",
    "DateTimeField": "datetime",
    "DurationField": "float",
    "JSONField": "json",
    "BinaryField": "binary",
    "FileField": "binary",
    "ImageField": "binary",
    "ForeignKey": "many2one",
    "OneToOneField": "many2one",
    "ManyToManyField": "many2many",
}


def field_type(model_field) -> str:
    """Odoo's field type names (``char``, ``many2one`` ...), so snapshots read like an Odoo registry."""
    if getattr(model_field, "choices", None) and model_field.get_internal_type() == "CharField":
        return "selection"
    return FIELD_TYPES.get(model_field.get_internal_type(), model_field.get_internal_type().lower())
