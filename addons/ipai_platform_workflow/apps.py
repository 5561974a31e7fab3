from django.apps import AppConfig


class IpaiPlatformWorkflowConfig(AppConfig):
    name = "ipai_platform_workflow"
    label = "ipai_platform_workflow"
    verbose_name = "Workflow"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from workos.kernel.data import RECORD_VALIDATORS

        from .seeds import validate_state, validate_transition, validate_workflow

        RECORD_VALIDATORS.register("ipai.workflow", validate_workflow)
        RECORD_VALIDATORS.register("ipai.workflow.state", validate_state)
        RECORD_VALIDATORS.register("ipai.workflow.transition", validate_transition)
