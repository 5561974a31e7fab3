"""Core's part of ``workos demo load``: the Acme workspace, its Team and Engineering spaces and a welcome page.

Core owns the demo's root, so it is what finds an earlier run: the workspace exists, nothing more is done.
For the modules after it, ``demo.made`` holds ``workspace``, ``spaces`` (by name) and ``welcome_page``.
"""

from __future__ import annotations

from workos.kernel.demo import Demo, DemoExists

from . import services
from .models import Workspace

WORKSPACE_SLUG = "acme"


def load(demo: Demo) -> None:
    if Workspace.objects.filter(slug=WORKSPACE_SLUG).exists():
        raise DemoExists(f"demo workspace '{WORKSPACE_SLUG}' already exists; left as it is")
    workspace = services.create_workspace(demo.user, "Acme", slug=WORKSPACE_SLUG, icon="🏢")
    team = services.create_space(demo.user, workspace, "Team", icon="👥")
    engineering = services.create_space(demo.user, workspace, "Engineering", icon="🛠")
    welcome = services.create_page(demo.user, space=team, title="Welcome to WorkOS", icon="👋")
    # Something in the trash, to restore or delete for good.
    old_plan = services.create_page(demo.user, space=team, title="Old offsite plan", icon="🏕")
    services.archive_page(demo.user, old_plan)
    # A pending invitation in Settings → Workspace (not mailed: the address is an example one).
    services.create_invitation(demo.user, workspace, "new.colleague@example.com", "member", send_email=False)
    demo.made.update(workspace=workspace, spaces={"Team": team, "Engineering": engineering}, welcome_page=welcome)
    demo.report["workspace"] = f"workspace Acme ({workspace.pk}) with spaces Team and Engineering"
    demo.report["pages"] = "page Welcome to WorkOS"
    demo.report["trash"] = "page Old offsite plan in the trash"
    demo.report["invitations"] = "a pending invitation of new.colleague@example.com (Settings → Workspace; not mailed)"
