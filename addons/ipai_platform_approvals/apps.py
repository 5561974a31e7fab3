from django.apps import AppConfig


class IpaiPlatformApprovalsConfig(AppConfig):
    name = "ipai_platform_approvals"
    label = "ipai_platform_approvals"
    verbose_name = "Approvals"
    default_auto_field = "django.db.models.BigAutoField"
