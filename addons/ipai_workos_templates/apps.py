from django.apps import AppConfig


class IpaiWorkosTemplatesConfig(AppConfig):
    name = "ipai_workos_templates"
    label = "ipai_workos_templates"
    verbose_name = "WorkOS Templates"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from ipai_workos_blocks.registry import PAGE_PANELS
        from workos.kernel.data import RECORD_VALIDATORS
        from workos.kernel.hooks import HEAD_CONTRIBUTIONS, SIDEBAR_CONTRIBUTIONS

        from .services import validate_seed
        from .views import empty_page_panel, head_contribution, sidebar_entry

        RECORD_VALIDATORS.register("ipai.workos.template", validate_seed)
        HEAD_CONTRIBUTIONS.register(self.name, head_contribution)
        SIDEBAR_CONTRIBUTIONS.register("templates", sidebar_entry)
        PAGE_PANELS.register("templates_start", empty_page_panel)
