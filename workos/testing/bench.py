"""What the benchmark scripts share: a fresh site with every module installed, on a throwaway PostgreSQL cluster
or a temporary SQLite file, torn down afterwards."""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import Callable


def on_fresh_site(database: str, body: Callable[[], None], *, prefix: str = "workos-bench-") -> None:
    """Set Django up on a new database (``postgresql``: a throwaway cluster; ``sqlite``: a file in a temporary
    folder), migrate, install ``ipai_workos_affine`` (and so every module), run ``body``, then drop the cluster and the temporary folder."""
    home = tempfile.mkdtemp(prefix=prefix)
    cluster = None
    if database == "postgresql":
        from workos.testing.pgcluster import start_cluster

        cluster = start_cluster()
        url = cluster.create_database("bench")
    else:
        url = f"sqlite:///{home}/bench.sqlite3"
    try:
        os.environ.update({"WORKOS_DB_URL": url, "WORKOS_DATA_DIR": home, "WORKOS_LOG_FILE": f"{home}/workos.log",
                           "DJANGO_SETTINGS_MODULE": "workos.settings.test"})
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from workos.kernel.installer import Installer

        Installer().install(["ipai_workos_affine"])
        body()
    finally:
        if cluster is not None:
            cluster.destroy()
        shutil.rmtree(home, ignore_errors=True)  # the SQLite file, the data folder and the log: nothing is left behind
