from django.apps import AppConfig


class KernelConfig(AppConfig):
    name = "workos.kernel"
    label = "kernel"
    verbose_name = "WorkOS kernel"
    default_auto_field = "django.db.models.BigAutoField"
