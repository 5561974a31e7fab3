from django.apps import AppConfig


class IpaiPlatformPermissionsConfig(AppConfig):
    name = "ipai_platform_permissions"
    label = "ipai_platform_permissions"
    verbose_name = "Permissions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from .registry import ACTIONS, DEFAULT_ACTIONS

        for action, level in DEFAULT_ACTIONS.items():
            ACTIONS.register(action, level)

