from django.apps import AppConfig


class IpaiWorkosBlocksConfig(AppConfig):
    name = "ipai_workos_blocks"
    label = "ipai_workos_blocks"
    verbose_name = "WorkOS Blocks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from .registry import register_core_types

        register_core_types()

        from ipai_workos_core.registry import PAGE_CONTENT_HANDLERS, PAGE_COPY_HANDLERS, PageContentHandler

        from .page_copy import copy_blocks, restore_document, snapshot_document

        PAGE_COPY_HANDLERS.register("blocks", copy_blocks)
        PAGE_CONTENT_HANDLERS.register("blocks", PageContentHandler(snapshot=snapshot_document, restore=restore_document))

        from workos.kernel.hooks import HOME_VIEWS, SETTINGS_SECTIONS, SIDEBAR_CONTRIBUTIONS

        from .views import home_view, import_settings, sidebar

        HOME_VIEWS.register("pages", home_view)
        SETTINGS_SECTIONS.register("blocks_import", import_settings)

        from ipai_platform_permissions.registry import ACCESS_LISTENERS
        from ipai_workos_core.registry import PAGE_LISTENERS

        from .services.live import pages_listener, recheck_all

        PAGE_LISTENERS.register("live_documents", pages_listener)
        ACCESS_LISTENERS.register("live_sessions", recheck_all)
        SIDEBAR_CONTRIBUTIONS.register("page_tree", sidebar)

        from ipai_platform_permissions.registry import SHARED_VIEWS

        from .views import shared_page

        SHARED_VIEWS.register("ipai.workos.page", shared_page)
