from django.apps import AppConfig


class KtMissingDepConfig(AppConfig):
    name = "kt_missing_dep"
    label = "kt_missing_dep"
