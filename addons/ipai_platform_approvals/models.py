"""Approval requests with any/all/sequence policies and recorded decisions."""

from django.conf import settings
from django.db import models


class Policy(models.TextChoices):
    ANY = "any", "Any one approver"
    ALL = "all", "All approvers"
    SEQUENCE = "sequence", "Approvers in sequence"


class RequestState(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ApprovalRequest(models.Model):
    """A request to approve something about one record (e.g. "publish this page").

    ``round`` counts submissions: re-requesting after changes starts a new round, and only the decisions of
    the current round count. With a ``transition``, approval performs that workflow transition."""

    title = models.CharField(max_length=256)
    description = models.TextField(blank=True, default="")
    res_model = models.CharField(max_length=128)
    res_id = models.CharField(max_length=64)
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    policy = models.CharField(max_length=16, choices=Policy.choices, default=Policy.ANY)
    min_approvals = models.PositiveSmallIntegerField(default=1)
    approver_role = models.CharField(max_length=32, blank=True, default="")
    transition = models.ForeignKey("ipai_platform_workflow.WorkflowTransition", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    state = models.CharField(max_length=24, choices=RequestState.choices, default=RequestState.PENDING)
    round = models.PositiveSmallIntegerField(default=1)
    due_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True, help_text="When the approved transition was performed")
    apply_error = models.CharField(max_length=512, blank=True, default="")

    class Meta:
        db_table = "ipai_approval_request"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["res_model", "res_id"], name="ipai_approval_request_target")]

    def __str__(self):
        return self.title


class ApprovalApprover(models.Model):
    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="approvers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sequence = models.PositiveSmallIntegerField(default=0)

    class Meta:
        db_table = "ipai_approval_approver"
        ordering = ["sequence", "id"]
        constraints = [models.UniqueConstraint(fields=["request", "user"], name="ipai_approval_approver_unique")]


class ApprovalDecision(models.Model):
    class Decision(models.TextChoices):
        APPROVE = "approve", "Approve"
        REJECT = "reject", "Reject"
        # Not a "no": the requester is asked to change the record and ask again (a new round).
        REQUEST_CHANGES = "request_changes", "Request changes"

    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="decisions")
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=16, choices=Decision.choices)
    comment = models.TextField(blank=True, default="")
    round = models.PositiveSmallIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "ipai_approval_decision"
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["request", "approver", "round"], name="ipai_approval_decision_once_per_round")]
