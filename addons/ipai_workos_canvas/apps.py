from django.apps import AppConfig


class IpaiWorkosCanvasConfig(AppConfig):
    name = "ipai_workos_canvas"
    label = "ipai_workos_canvas"
    verbose_name = "WorkOS Canvas"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from ipai_workos_blocks.registry import PAGE_HEADERS, PAGE_ROUTES
        from ipai_workos_core.registry import PAGE_CONTENT_HANDLERS, PageContentHandler
        from ipai_workos_search.registry import PAGE_TEXT

        from .registry import register_core_types
        from .search import canvas_text
        from .services import restore_scene, snapshot_scene
        from .views import canvas_route, canvas_side_link

        register_core_types()

        from .blocks import register_block_types

        register_block_types()
        PAGE_CONTENT_HANDLERS.register("canvas", PageContentHandler(snapshot=snapshot_scene, restore=restore_scene))
        PAGE_TEXT.register("canvas", canvas_text)
        PAGE_ROUTES.register("canvas", canvas_route)
        PAGE_HEADERS.register("canvas_side", canvas_side_link)

        from workos.kernel.hooks import HEAD_CONTRIBUTIONS

        from .views import head_contribution

        HEAD_CONTRIBUTIONS.register(self.name, head_contribution)
