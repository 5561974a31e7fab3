from django.apps import AppConfig


class KtFailingConfig(AppConfig):
    name = "kt_failing"
    label = "kt_failing"
    default_auto_field = "django.db.models.BigAutoField"
