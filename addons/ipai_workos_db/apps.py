from django.apps import AppConfig


class IpaiWorkosDbConfig(AppConfig):
    name = "ipai_workos_db"
    label = "ipai_workos_db"
    verbose_name = "WorkOS Databases"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from ipai_platform_permissions.registry import SCOPES

        from .properties import register_core_types
        from .scopes import SCOPE_TYPES

        register_core_types()
        for name, scope_type in SCOPE_TYPES.items():
            SCOPES.register(name, scope_type)

        from ipai_workos_blocks.registry import TABLE_EXPORTERS, TABLE_IMPORTERS

        from .services.table_export import export_tables
        from .services.table_import import import_table

        TABLE_IMPORTERS.register("database", import_table)
        TABLE_EXPORTERS.register("database", export_tables)
