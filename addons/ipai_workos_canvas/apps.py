from django.apps import AppConfig


class IpaiWorkosCanvasConfig(AppConfig):
    name = "ipai_workos_canvas"
    label = "ipai_workos_canvas"
    verbose_name = "WorkOS Canvas"
    default_auto_field = "django.db.models.BigAutoField"
