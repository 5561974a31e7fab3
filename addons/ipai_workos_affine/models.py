"""Installs the whole WorkOS suite; cross-module glue: page status, review requests and publishing pages to the web.

A publication is a stored snapshot: the HTML of each published page (rendered and sanitised once, when
published), the navigation of the published sub-tree and copies of the images and files the pages show. The
public site (``/p/<workspace-slug>/<page-slug>``) reads only these rows — never a page's live blocks, comments or
attachments — so editing a page changes nothing public until it is published again, and unpublishing or deleting
the page removes the public copy at once.
"""

from django.conf import settings
from django.db import models


class PagePublication(models.Model):
    """A page's publication, approved through an approval request when the workspace requires it."""

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        PENDING = "pending", "Waiting for approval"
        PUBLISHED = "published", "Published"

    page = models.OneToOneField("ipai_workos_core.Page", on_delete=models.CASCADE, related_name="publication")
    state = models.CharField(max_length=16, choices=State.choices, default=State.DRAFT)
    approval = models.ForeignKey("ipai_platform_approvals.ApprovalRequest", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    workspace = models.ForeignKey("ipai_workos_core.Workspace", null=True, on_delete=models.CASCADE, related_name="+")
    slug = models.CharField(max_length=64, blank=True, default="")
    include_subpages = models.BooleanField(default=False)
    noindex = models.BooleanField(default=False, help_text="Ask search engines not to index the published pages")
    description = models.CharField(max_length=300, blank=True, default="")
    # The page version the root's snapshot was made from (with "review required": the reviewed one).
    version_number = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        db_table = "ipai_workos_page_publication"


class PublishedPage(models.Model):
    """One page of a publication's snapshot: what ``/p/<workspace-slug>/<slug>`` shows, rendered when published."""

    publication = models.ForeignKey(PagePublication, on_delete=models.CASCADE, related_name="pages")
    page = models.ForeignKey("ipai_workos_core.Page", on_delete=models.CASCADE, related_name="+")
    workspace = models.ForeignKey("ipai_workos_core.Workspace", on_delete=models.CASCADE, related_name="+")
    slug = models.CharField(max_length=64)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=512, blank=True, default="")
    icon = models.CharField(max_length=64, blank=True, default="")
    description = models.CharField(max_length=300, blank=True, default="")
    html = models.TextField(blank=True, default="")
    version_number = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        db_table = "ipai_workos_published_page"
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["workspace", "slug"], name="ipai_workos_published_page_slug")]


class PublishedAsset(models.Model):
    """A copy of an image or file a published page shows, kept with the snapshot (not the page's attachment)."""

    publication = models.ForeignKey(PagePublication, on_delete=models.CASCADE, related_name="assets")
    key = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=128)
    data = models.BinaryField()

    class Meta:
        db_table = "ipai_workos_published_asset"


class PageReview(models.Model):
    """Which version of a page one round of a review request is about (the history marks it)."""

    approval = models.ForeignKey("ipai_platform_approvals.ApprovalRequest", on_delete=models.CASCADE, related_name="+")
    page = models.ForeignKey("ipai_workos_core.Page", on_delete=models.CASCADE, related_name="+")
    round = models.PositiveSmallIntegerField(default=1)
    version_number = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "ipai_workos_page_review"
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["approval", "round"], name="ipai_workos_page_review_round")]


class PublishingPolicy(models.Model):
    """Whether publishing needs an approved review: for a whole workspace (no space) or one space (overrides it)."""

    workspace = models.ForeignKey("ipai_workos_core.Workspace", on_delete=models.CASCADE, related_name="+")
    space = models.OneToOneField("ipai_workos_core.Space", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    review_required = models.BooleanField(default=False)

    class Meta:
        db_table = "ipai_workos_publishing_policy"
        constraints = [models.UniqueConstraint(fields=["workspace"], condition=models.Q(space__isnull=True),
                                               name="ipai_workos_publishing_policy_workspace")]
