"""Workspaces, spaces, the page tree, trash, favourites and page history."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from ipai_platform_workflow.models import WorkflowMixin
from workos.kernel.ranks import ZERO

class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    MEMBER = "member", "Member"
    GUEST = "guest", "Guest"


class Visibility(models.TextChoices):
    PRIVATE = "private", "Private"
    TEAM = "team", "Team"
    PUBLIC = "public", "Public"


class Workspace(models.Model):
    name = models.CharField(max_length=128)
    slug = models.SlugField(max_length=64, unique=True)
    icon = models.CharField(max_length=64, blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "ipai_workos_workspace"
        ordering = ["name"]

    def __str__(self):
        return self.name


class WorkspaceMember(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="workspace_memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "ipai_workos_workspace_member"
        constraints = [models.UniqueConstraint(fields=["workspace", "user"], name="ipai_workos_member_unique")]


class WorkspaceGroup(models.Model):
    """A group of a workspace's members ("Design", "Leadership"): pages are shared with it like with a person.
    It is a Django ``auth.Group`` underneath, so the permissions module's group grants apply unchanged."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="groups")
    group = models.OneToOneField("auth.Group", on_delete=models.CASCADE, related_name="workspace_group")
    name = models.CharField(max_length=128)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "ipai_workos_workspace_group"
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="ipai_workos_group_name_unique")]

    def __str__(self):
        return self.name


class Invitation(models.Model):
    """An e-mail invitation to a workspace (with a role), and optionally to one page or database (with a level),
    for someone who may have no account yet. The link carries a signed token naming the invitation and a nonce;
    only the nonce's SHA-256 is stored, a resend replaces it (the older link stops working), and accepting uses it
    up. At most one pending invitation per workspace and address."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(max_length=254)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    # the grant applied on acceptance, as the permissions module names objects (technical model name, id)
    scope_model = models.CharField(max_length=128, blank=True, default="")
    scope_id = models.CharField(max_length=64, blank=True, default="")
    level = models.CharField(max_length=16, blank=True, default="")
    nonce_hash = models.CharField(max_length=64)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    send_count = models.PositiveIntegerField(default=0)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        db_table = "ipai_workos_invitation"
        constraints = [models.UniqueConstraint(fields=["workspace", "email"], condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                                               name="ipai_workos_invitation_pending_unique")]

    def __str__(self):
        return self.email

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"


class Space(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="spaces")
    name = models.CharField(max_length=128)
    icon = models.CharField(max_length=64, blank=True, default="")
    color = models.CharField(max_length=16, blank=True, default="")
    visibility = models.CharField(max_length=16, choices=Visibility.choices, default=Visibility.TEAM)
    rank = models.CharField(max_length=64, default=ZERO)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "ipai_workos_space"
        ordering = ["workspace_id", "rank", "id"]

    def __str__(self):
        return self.name


class Page(WorkflowMixin):
    """A page in the tree. ``rank`` is a fractional key, so a move writes one row. Pages can follow a workflow
    (draft -> in review -> published ...) through the workflow mixin's fields."""

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="pages")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    title = models.CharField(max_length=512, blank=True, default="")
    icon = models.CharField(max_length=64, blank=True, default="")
    cover_url = models.CharField(max_length=1024, blank=True, default="")
    # Layout, as in Notion's page menu: for everyone who opens the page, not part of its history.
    full_width = models.BooleanField(default=False)
    small_text = models.BooleanField(default=False)
    # "Only people invited": the access the workspace and the pages above give stops here; admins and this page's
    # own grants (users, groups) decide. Sub-pages inherit from it as usual.
    restricted = models.BooleanField(default=False)
    rank = models.CharField(max_length=64, default=ZERO)
    # A page can belong to another object instead of the page tree — a database row's page belongs to its
    # database. It then takes its access from that object (a permission scope, "ipai.workos.database" + id)
    # and stays out of the sidebar tree and page lists. Core only knows it as a scope, never the module.
    container_model = models.CharField(max_length=128, blank=True, default="")
    container_id = models.CharField(max_length=64, blank=True, default="")
    archived_at = models.DateTimeField(null=True, blank=True, db_index=True)
    archived_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "ipai_workos_page"
        ordering = ["rank", "id"]
        indexes = [models.Index(fields=["space", "parent", "rank"], name="ipai_workos_page_tree")]

    def __str__(self):
        return self.title or "Untitled"


class PageVersion(models.Model):
    """The state of a page after a save: title, icon, cover and ``content`` (what modules that store a page's body
    — the blocks document — put there). Saves by one user in quick succession update their latest version
    instead of adding one (``updated_at`` moves on), so history stays readable and bounded."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=512, blank=True, default="")
    icon = models.CharField(max_length=64, blank=True, default="")
    cover_url = models.CharField(max_length=1024, blank=True, default="")
    content = models.JSONField(default=dict, blank=True)
    restored_from = models.PositiveIntegerField(null=True, blank=True)
    # A version another module marked ("Sent for review"): kept exactly as it was — later saves never fold into it.
    label = models.CharField(max_length=64, blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "ipai_workos_page_version"
        ordering = ["page_id", "-number"]
        constraints = [models.UniqueConstraint(fields=["page", "number"], name="ipai_workos_page_version_unique")]


class Favorite(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="+")
    rank = models.CharField(max_length=64, default=ZERO)

    class Meta:
        db_table = "ipai_workos_favorite"
        constraints = [models.UniqueConstraint(fields=["user", "page"], name="ipai_workos_favorite_unique")]


class PageVisit(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="+")
    visited_at = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "ipai_workos_page_visit"
        constraints = [models.UniqueConstraint(fields=["user", "page"], name="ipai_workos_page_visit_unique")]
        indexes = [models.Index(fields=["user", "visited_at"], name="ipai_workos_page_visit_recent")]


class CoreSetting(models.Model):
    """Settings of this module kept in the database (one row), so that operators change them without a config key."""

    trash_retention_days = models.PositiveIntegerField(
        default=30, help_text="Pages stay this many days in the trash before `workos pages purge-trash` deletes them; 0 keeps them")

    class Meta:
        db_table = "ipai_workos_core_setting"
