from django.apps import AppConfig


class IpaiWorkosCollabConfig(AppConfig):
    name = "ipai_workos_collab"
    label = "ipai_workos_collab"
    verbose_name = "WorkOS Collaboration"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from ipai_platform_approvals.registry import NOTIFIERS
        from ipai_platform_permissions.registry import GRANT_LISTENERS
        from ipai_platform_workflow.registry import TRANSITION_NOTIFIERS
        from ipai_workos_blocks.registry import BLOCK_MOVE_LISTENERS, MENTION_LISTENERS, PAGE_PANELS
        from ipai_workos_db.registry import ROW_LISTENERS
        from ipai_workos_search.registry import SOURCES
        from workos.kernel.hooks import SETTINGS_SECTIONS, SIDEBAR_NAV_ITEMS

        from .search_source import SOURCE, CommentSource

        from .services import approval_notice, assigned_notice, blocks_moved, notify_block_mentions, shared_notice, workflow_notice
        from .views import comments_panel, email_settings, inbox_nav_item

        MENTION_LISTENERS.register("collab_inbox", notify_block_mentions)
        BLOCK_MOVE_LISTENERS.register("collab_threads", blocks_moved)
        PAGE_PANELS.register("collab_comments", comments_panel)
        NOTIFIERS.register("collab_inbox", approval_notice)
        TRANSITION_NOTIFIERS.register("collab_inbox", workflow_notice)
        SIDEBAR_NAV_ITEMS.register("collab_inbox", inbox_nav_item)
        SOURCES.register(SOURCE, CommentSource())
        GRANT_LISTENERS.register("collab_shared", shared_notice)
        ROW_LISTENERS.register("collab_assigned", assigned_notice)
        SETTINGS_SECTIONS.register("collab_email", email_settings)
