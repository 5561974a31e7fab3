from django.apps import AppConfig


class IpaiWorkosTemplatesConfig(AppConfig):
    name = "ipai_workos_templates"
    label = "ipai_workos_templates"
    verbose_name = "WorkOS Templates"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from workos.kernel.data import RECORD_VALIDATORS

        from .services import validate_seed

        RECORD_VALIDATORS.register("ipai.workos.template", validate_seed)
