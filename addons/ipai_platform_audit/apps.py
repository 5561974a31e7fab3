from django.apps import AppConfig


class IpaiPlatformAuditConfig(AppConfig):
    name = "ipai_platform_audit"
    label = "ipai_platform_audit"
    verbose_name = "Audit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from workos.kernel.hooks import AUTH_EVENT_HANDLERS

        from .services import record_auth_event

        AUTH_EVENT_HANDLERS.register(self.name, record_auth_event)
