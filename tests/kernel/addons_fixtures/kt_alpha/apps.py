from django.apps import AppConfig


class KtAlphaConfig(AppConfig):
    name = "kt_alpha"
    label = "kt_alpha"
    default_auto_field = "django.db.models.BigAutoField"
