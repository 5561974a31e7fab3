"""State machines with guarded, role-checked, audited transitions."""

from django.conf import settings
from django.db import models

class StateCategory(models.TextChoices):
    TODO = "todo", "To do"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class Workflow(models.Model):
    """A state machine attachable to any model that has the workflow mixin fields."""

    code = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=128)
    res_model = models.CharField(max_length=128, help_text="Technical name of the model it applies to")
    # The workspace that owns the workflow (it applies to that workspace's records, and only its members see
    # it), or blank: a system workflow, for the records of every workspace that has no active one of its own.
    owner_model = models.CharField(max_length=128, blank=True, default="")
    owner_id = models.CharField(max_length=64, blank=True, default="")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "ipai_workflow"
        ordering = ["name"]
        constraints = [
            # A record follows the one active workflow of its model in its workspace (else the system one).
            models.UniqueConstraint(fields=["res_model", "owner_model", "owner_id"], condition=models.Q(active=True),
                                    name="ipai_workflow_one_active_per_owner"),
        ]

    def __str__(self):
        return self.name


class WorkflowState(models.Model):
    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="states")
    code = models.CharField(max_length=64)
    name = models.CharField(max_length=128)
    category = models.CharField(max_length=16, choices=StateCategory.choices, default=StateCategory.TODO)
    sequence = models.IntegerField(default=10)
    is_initial = models.BooleanField(default=False)

    class Meta:
        db_table = "ipai_workflow_state"
        ordering = ["workflow_id", "sequence", "id"]
        constraints = [models.UniqueConstraint(fields=["workflow", "code"], name="ipai_workflow_state_unique")]

    def __str__(self):
        return self.name


class WorkflowTransition(models.Model):
    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="transitions")
    name = models.CharField(max_length=128)
    from_state = models.ForeignKey(WorkflowState, on_delete=models.CASCADE, related_name="outgoing")
    to_state = models.ForeignKey(WorkflowState, on_delete=models.CASCADE, related_name="incoming")
    allowed_roles = models.JSONField(default=list, blank=True, help_text="Workspace roles allowed; empty: anyone who can edit")
    guard = models.CharField(max_length=64, blank=True, default="", help_text="Key of a registered guard")
    requires_approval = models.BooleanField(default=False)

    def __str__(self):
        return self.name

    class Meta:
        db_table = "ipai_workflow_transition"
        ordering = ["workflow_id", "id"]
        constraints = [models.UniqueConstraint(fields=["workflow", "from_state", "to_state"], name="ipai_workflow_transition_unique")]


class WorkflowMixin(models.Model):
    """Fields a model adds to follow a workflow. An empty ``workflow_state`` means the initial state.
    Only ``ipai_platform_workflow.services.transition`` writes them."""

    workflow_state = models.CharField(max_length=64, blank=True, default="")
    workflow_state_date = models.DateTimeField(null=True, blank=True)
    workflow_state_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        abstract = True
