from django.apps import AppConfig


class IpaiWorkosSearchConfig(AppConfig):
    name = "ipai_workos_search"
    label = "ipai_workos_search"
    verbose_name = "WorkOS Search"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from ipai_workos_core.registry import PAGE_LISTENERS

        from .registry import SOURCES
        from .indexing import on_page_event
        from .sources import PageSource

        SOURCES.register("pages", PageSource())
        PAGE_LISTENERS.register("search", on_page_event)

        from workos.kernel.hooks import HEAD_CONTRIBUTIONS

        from .views import head_contribution

        HEAD_CONTRIBUTIONS.register(self.name, head_contribution)
