from django.apps import AppConfig


class KtCycleBConfig(AppConfig):
    name = "kt_cycle_b"
    label = "kt_cycle_b"
