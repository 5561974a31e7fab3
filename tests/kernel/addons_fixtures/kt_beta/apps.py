from django.apps import AppConfig


class KtBetaConfig(AppConfig):
    name = "kt_beta"
    label = "kt_beta"
    default_auto_field = "django.db.models.BigAutoField"
