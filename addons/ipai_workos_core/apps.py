from django.apps import AppConfig


class IpaiWorkosCoreConfig(AppConfig):
    name = "ipai_workos_core"
    label = "ipai_workos_core"
    verbose_name = "WorkOS Core"
    default_auto_field = "django.db.models.BigAutoField"
