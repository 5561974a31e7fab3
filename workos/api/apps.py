from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "workos.api"
    label = "api"
    verbose_name = "WorkOS API"
    default_auto_field = "django.db.models.BigAutoField"
