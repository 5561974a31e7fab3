from django.apps import AppConfig


class IpaiPlatformThemeConfig(AppConfig):
    name = "ipai_platform_theme"
    label = "ipai_platform_theme"
    verbose_name = "Theme"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from workos.kernel.data import RECORD_VALIDATORS
        from workos.kernel.hooks import HEAD_CONTRIBUTIONS

        from .services import validate_seed
        from .views import head_links

        HEAD_CONTRIBUTIONS.register(self.name, head_links)
        RECORD_VALIDATORS.register("ipai.theme", validate_seed)
