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

        from django.db.backends.signals import connection_created

        from .services import lock_chain_before_first_write

        def install(sender, connection, **kwargs):
            if connection.vendor == "postgresql" and lock_chain_before_first_write not in connection.execute_wrappers:
                connection.execute_wrappers.append(lock_chain_before_first_write)

        connection_created.connect(install, weak=False, dispatch_uid="ipai_platform_audit.chain_lock")
