"""Comments and threads, @mentions, follows and the notifications inbox."""

from django.conf import settings
from django.db import models


class Comment(models.Model):
    """A comment on a page (a database row is a page too). A thread is a top-level comment and its replies
    (``parent``, one level deep). ``block`` + ``anchor`` pin a thread to a range of a block's text: the
range carries the ``comment`` mark with the thread's id (in the blocks' rich text and the live Yjs document),
so it follows the text through edits; ``anchor`` keeps the range as first commented, for when the marked text
is gone (the thread is then "orphaned").

    ``body`` is rich text in the blocks' format (``{"text": [span, ...]}``). A deleted comment that has
    replies stays as a tombstone (``deleted_at`` set, body emptied) so that its thread keeps its shape."""

    page = models.ForeignKey("ipai_workos_core.Page", on_delete=models.CASCADE, related_name="comments")
    # SET_NULL: deleting the commented block keeps its inline threads on the page, as orphaned ones
    block = models.ForeignKey("ipai_workos_blocks.Block", null=True, blank=True, on_delete=models.SET_NULL, related_name="comments")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.JSONField(default=dict, blank=True)
    anchor = models.JSONField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "ipai_workos_comment"
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["page", "parent", "id"], name="ipai_workos_comment_threads")]


class Reaction(models.Model):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    emoji = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "ipai_workos_comment_reaction"
        constraints = [models.UniqueConstraint(fields=["comment", "user", "emoji"], name="ipai_workos_reaction_once")]


class Mention(models.Model):
    page = models.ForeignKey("ipai_workos_core.Page", on_delete=models.CASCADE, related_name="+")
    block = models.ForeignKey("ipai_workos_blocks.Block", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    comment = models.ForeignKey(Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="mentions")
    mentioned_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    mentioned_page = models.ForeignKey("ipai_workos_core.Page", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "ipai_workos_mention"


class Follow(models.Model):
    """A user's choice about a page's activity. A page's creator follows it without a row; a row with
    ``following=False`` records an unfollow (so the creator can opt out, and commenting does not re-follow)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    page = models.ForeignKey("ipai_workos_core.Page", on_delete=models.CASCADE, related_name="+")
    following = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "ipai_workos_follow"
        constraints = [models.UniqueConstraint(fields=["user", "page"], name="ipai_workos_follow_once")]


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="workos_notifications")
    kind = models.CharField(max_length=32)
    title = models.CharField(max_length=256)
    body = models.TextField(blank=True, default="")
    target_model = models.CharField(max_length=128, blank=True, default="")
    target_id = models.CharField(max_length=64, blank=True, default="")
    url = models.CharField(max_length=512, blank=True, default="")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    read_at = models.DateTimeField(null=True, blank=True)
    # e-mail: "pending" until sent (at once or in a digest, by the recipient's preference), "sent", or
    # "skipped" (no address, or the recipient wants none); failed sends stay pending and count attempts
    email_state = models.CharField(max_length=16, blank=True, default="pending")
    email_attempts = models.PositiveSmallIntegerField(default=0)
    emailed_at = models.DateTimeField(null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "ipai_workos_notification"
        ordering = ["-created_at"]
        # the inbox: one user's items newest first, narrowed by read/archived
        indexes = [
            models.Index(fields=["recipient", "archived_at", "read_at", "-id"], name="ipai_workos_notification_inbox"),
            models.Index(fields=["email_state", "recipient"], name="ipai_workos_notification_mail"),
        ]


class EmailPreference(models.Model):
    """How a user wants notices by e-mail. Without a row: immediately."""

    class Mode(models.TextChoices):
        IMMEDIATELY = "immediately", "Immediately"
        DAILY = "daily", "Daily digest"
        NEVER = "never", "Never"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    mode = models.CharField(max_length=16, choices=Mode.choices, default=Mode.IMMEDIATELY)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "ipai_workos_email_preference"
