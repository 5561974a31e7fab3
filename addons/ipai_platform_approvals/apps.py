from django.apps import AppConfig


class IpaiPlatformApprovalsConfig(AppConfig):
    name = "ipai_platform_approvals"
    label = "ipai_platform_approvals"
    verbose_name = "Approvals"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from ipai_platform_workflow.registry import APPROVAL_GATES, ApprovalGate

        from .services import _consume_approval, is_transition_approved

        APPROVAL_GATES.register(self.name, ApprovalGate(is_approved=is_transition_approved, consume=_consume_approval))
