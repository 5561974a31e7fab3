from django.apps import AppConfig


class IpaiWorkosDbConfig(AppConfig):
    name = "ipai_workos_db"
    label = "ipai_workos_db"
    verbose_name = "WorkOS Databases"
    default_auto_field = "django.db.models.BigAutoField"
