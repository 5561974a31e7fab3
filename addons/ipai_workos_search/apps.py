from django.apps import AppConfig


class IpaiWorkosSearchConfig(AppConfig):
    name = "ipai_workos_search"
    label = "ipai_workos_search"
    verbose_name = "WorkOS Search"
    default_auto_field = "django.db.models.BigAutoField"
