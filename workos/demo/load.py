from __future__ import annotations

from pathlib import Path

from django.apps import apps
from django.contrib.auth import get_user_model

CONTENT = Path(__file__).parent
WORKSPACE_SLUG = "acme"


def load_demo(username: str) -> list[str]:
    """Create the demo workspace for ``username``; return what was done, one line each."""
    if not apps.is_installed("ipai_workos_core"):
        return ["ipai_workos_core is not installed: no demo content"]
    from ipai_workos_core import services as core
    from ipai_workos_core.models import Workspace

    user = get_user_model().objects.get(username=username)
    if Workspace.objects.filter(slug=WORKSPACE_SLUG).exists():
        return [f"demo workspace '{WORKSPACE_SLUG}' already exists; left as it is"]
    workspace = core.create_workspace(user, "Acme", slug=WORKSPACE_SLUG, icon="🏢")
    team = core.create_space(user, workspace, "Team", icon="👥")
    engineering = core.create_space(user, workspace, "Engineering", icon="🛠")
    done = [f"workspace Acme ({workspace.pk}) with spaces Team and Engineering"]
    if apps.is_installed("ipai_workos_blocks"):
        from ipai_workos_blocks import services as blocks

        for space, name in ((team, "welcome.md"), (team, "handbook.md"), (engineering, "welcome.md")):
            blocks.import_file(user, space, name, (CONTENT / name).read_bytes())
        done.append("pages imported from Markdown: Welcome to WorkOS, Team handbook")
    else:
        core.create_page(user, space=team, title="Welcome to WorkOS", icon="👋")
        done.append("page Welcome to WorkOS")
    return done
