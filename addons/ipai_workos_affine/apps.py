from django.apps import AppConfig


class IpaiWorkosAffineConfig(AppConfig):
    name = "ipai_workos_affine"
    label = "ipai_workos_affine"
    verbose_name = "WorkOS Suite"
    default_auto_field = "django.db.models.BigAutoField"
