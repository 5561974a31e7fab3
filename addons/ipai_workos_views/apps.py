from django.apps import AppConfig


class IpaiWorkosViewsConfig(AppConfig):
    name = "ipai_workos_views"
    label = "ipai_workos_views"
    verbose_name = "WorkOS Views"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from .registry import register_core_types

        register_core_types()

        from ipai_workos_blocks.registry import PAGE_HEADERS, SIDEBAR_TREE_ITEMS, TRASH_ITEMS

        from .views import row_properties, sidebar_databases, trashed_rows_and_databases

        SIDEBAR_TREE_ITEMS.register("databases", sidebar_databases)
        TRASH_ITEMS.register("rows_and_databases", trashed_rows_and_databases)
        PAGE_HEADERS.register("row_properties", row_properties)
