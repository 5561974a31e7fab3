from django.apps import AppConfig


class IpaiWorkosCoreConfig(AppConfig):
    name = "ipai_workos_core"
    label = "ipai_workos_core"
    verbose_name = "WorkOS Core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from ipai_platform_permissions.registry import ACTIONS, EDIT, SCOPES

        from .scopes import SCOPE_TYPES

        for name, scope_type in SCOPE_TYPES.items():
            SCOPES.register(name, scope_type)
        ACTIONS.register("create", EDIT)  # add a space to a workspace, a page to a space or page

        from ipai_platform_workflow.registry import GUARDS

        from .scopes import page_has_title

        GUARDS.register("page_has_title", page_has_title)

        from ipai_platform_theme.registry import SCOPE_RESOLVERS

        from .scopes import workspace_of_request

        SCOPE_RESOLVERS.register("workspace", workspace_of_request)

        from ipai_platform_permissions.registry import ACCESS_LISTENERS

        from .live.events import pages_listener, recheck_all
        from .registry import PAGE_LISTENERS

        PAGE_LISTENERS.register("live_events", pages_listener)  # the sidebar and database views of /ws/events
        ACCESS_LISTENERS.register("live_events", recheck_all)
