from django.apps import AppConfig


class KtCycleAConfig(AppConfig):
    name = "kt_cycle_a"
    label = "kt_cycle_a"
