from django.apps import AppConfig


class IpaiPlatformAuditConfig(AppConfig):
    name = "ipai_platform_audit"
    label = "ipai_platform_audit"
    verbose_name = "Audit"
    default_auto_field = "django.db.models.BigAutoField"
