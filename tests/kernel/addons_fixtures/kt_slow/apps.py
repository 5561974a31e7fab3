from django.apps import AppConfig


class KtSlowConfig(AppConfig):
    name = "kt_slow"
    label = "kt_slow"
    default_auto_field = "django.db.models.BigAutoField"
