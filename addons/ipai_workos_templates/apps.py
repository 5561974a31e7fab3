from django.apps import AppConfig


class IpaiWorkosTemplatesConfig(AppConfig):
    name = "ipai_workos_templates"
    label = "ipai_workos_templates"
    verbose_name = "WorkOS Templates"
    default_auto_field = "django.db.models.BigAutoField"
