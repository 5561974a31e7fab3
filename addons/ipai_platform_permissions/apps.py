from django.apps import AppConfig


class IpaiPlatformPermissionsConfig(AppConfig):
    name = "ipai_platform_permissions"
    label = "ipai_platform_permissions"
    verbose_name = "Permissions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from .registry import ACTIONS, DEFAULT_ACTIONS

        for action, level in DEFAULT_ACTIONS.items():
            ACTIONS.register(action, level)

        # A read request that writes after all (e.g. a first visit creating something) must not keep answering
        # from levels worked out before the write: any saved or deleted row ends the request's memo.
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from .services import forget_request_levels

        for signal in (post_save, post_delete, m2m_changed):
            signal.connect(forget_request_levels, dispatch_uid=f"ipai_platform_permissions.forget.{signal}")
