from django.apps import AppConfig


class IpaiWorkosAffineConfig(AppConfig):
    name = "ipai_workos_affine"
    label = "ipai_workos_affine"
    verbose_name = "WorkOS Suite"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from ipai_platform_workflow.registry import GUARDS
        from ipai_workos_blocks.registry import PAGE_HEADERS
        from ipai_workos_core.registry import PAGE_LISTENERS
        from ipai_workos_db.properties import PROPERTY_TYPES
        from workos.kernel.hooks import HEAD_CONTRIBUTIONS, SETTINGS_SECTIONS

        from .guards import page_is_not_published, page_is_published
        from .listeners import page_changed
        from .properties import ReviewStatusType
        from .views import head_contribution, page_header, publishing_settings_section

        GUARDS.register("page_is_published", page_is_published)
        GUARDS.register("page_is_not_published", page_is_not_published)
        PAGE_LISTENERS.register("affine_publications", page_changed)
        PAGE_HEADERS.register("affine_review", page_header)
        HEAD_CONTRIBUTIONS.register(self.name, head_contribution)
        SETTINGS_SECTIONS.register("affine_publishing", publishing_settings_section)
        PROPERTY_TYPES.register(ReviewStatusType.type, ReviewStatusType())
