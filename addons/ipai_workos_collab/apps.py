from django.apps import AppConfig


class IpaiWorkosCollabConfig(AppConfig):
    name = "ipai_workos_collab"
    label = "ipai_workos_collab"
    verbose_name = "WorkOS Collaboration"
    default_auto_field = "django.db.models.BigAutoField"
