"""A real nginx for tests and benchmarks: Debian's package (``make test-deps``), started as a child process with
its own configuration, pid file, logs and temporary folders in a given folder, listening on loopback only.

The server block includes the project's own ``deploy/nginx-workos-proxy.conf``, so what is tested is the
shipped configuration; the upstream file is the one ``workos deploy`` rewrites ([deploy.nginx] upstream_file).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import httpx

from workos.ops.traffic import Upstream, render_upstream
from workos.settings.config import PROJECT_ROOT

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

CONFIG = """worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
{user}
events {{ worker_connections 1024; }}

http {{
    access_log {folder}/access.log;
    client_body_temp_path {folder}/tmp/body;
    proxy_temp_path {folder}/tmp/proxy;
    fastcgi_temp_path {folder}/tmp/fastcgi;
    uwsgi_temp_path {folder}/tmp/uwsgi;
    scgi_temp_path {folder}/tmp/scgi;
    include {upstream_file};
    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ""      close;
    }}
    server {{
        listen 127.0.0.1:{port};
        include {proxy_conf};
    }}
}}
"""


class NginxServer:
    def __init__(self, folder: Path, port: int, upstream_file: Path):
        self.folder, self.port, self.upstream_file = folder, port, upstream_file
        self.config_file = folder / "nginx.conf"
        self.pid_file = folder / "nginx.pid"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self, *args: str) -> list[str]:
        return [NGINX, "-p", str(self.folder), "-c", str(self.config_file), "-e", str(self.folder / "error.log"), *args]

    def deploy_options(self) -> str:
        """The [deploy.nginx] table that points a deploy at this nginx."""
        quote = lambda parts: "[" + ", ".join(f'"{part}"' for part in parts) + "]"  # noqa: E731
        return (f'[deploy.nginx]\nupstream_file = "{self.upstream_file}"\nreload = {quote(self.command("-s", "reload"))}\n'
                f'test = {quote(self.command("-t", "-q"))}\npid_file = "{self.pid_file}"\n')

    def start(self, servers: list[str]) -> None:
        (self.folder / "tmp").mkdir(parents=True, exist_ok=True)
        if not self.upstream_file.exists():
            self.upstream_file.write_text(render_upstream(Upstream({address: False for address in servers}), 30, 16))
        # As root the workers would switch to "nobody", who cannot use these temporary folders.
        user = "user root root;" if os.geteuid() == 0 else ""
        self.config_file.write_text(CONFIG.format(folder=self.folder, user=user, upstream_file=self.upstream_file, port=self.port,
                                                  proxy_conf=PROJECT_ROOT / "deploy" / "nginx-workos-proxy.conf"))
        self.process = subprocess.Popen(self.command("-g", "daemon off;"), stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.process.stderr.read().decode(errors='replace')}"
                                   f"{(self.folder / 'error.log').read_text(errors='replace') if (self.folder / 'error.log').exists() else ''}")
            try:
                httpx.get(self.url + "/nginx-started", timeout=2, trust_env=False)
                if self.pid_file.exists():
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"nginx did not answer on {self.url} within 60s")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGQUIT)
            self.process.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait(timeout=30)
