from django.apps import AppConfig


class IpaiWorkosBlocksConfig(AppConfig):
    name = "ipai_workos_blocks"
    label = "ipai_workos_blocks"
    verbose_name = "WorkOS Blocks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from .registry import register_core_types

        register_core_types()
