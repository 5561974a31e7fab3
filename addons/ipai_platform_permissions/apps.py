from django.apps import AppConfig


class IpaiPlatformPermissionsConfig(AppConfig):
    name = "ipai_platform_permissions"
    label = "ipai_platform_permissions"
    verbose_name = "Permissions"
    default_auto_field = "django.db.models.BigAutoField"
