from django.apps import AppConfig


class IpaiPlatformWorkflowConfig(AppConfig):
    name = "ipai_platform_workflow"
    label = "ipai_platform_workflow"
    verbose_name = "Workflow"
    default_auto_field = "django.db.models.BigAutoField"
