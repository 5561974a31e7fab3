import os

import click

from workos.settings.database import SERVER_PROCESS

from . import pass_context


@click.command()
@click.option("--host", help="Address to listen on (default: [server] host).")
@click.option("--port", type=int, help="Port to listen on (default: [server] port).")
@click.option("--workers", type=int, help="Worker processes (default: [server] workers; 0: one per core with a Redis channel layer, else 1).")
@pass_context
def serve(context, host, port, workers):
    """Serve WorkOS over HTTP (ASGI, uvicorn) with the installed modules active.

    Logs go to [server] log_file, one line per request. In production run it under the `process`, systemd or
    compose service manager, or behind gunicorn with uvicorn workers (deploy/README.md).
    """
    import uvicorn

    config = context.config
    host = host or config.get("server", "host")
    port = port or config.get("server", "port")
    workers = workers if workers is not None else config.get("server", "workers")
    if workers == 0:
        workers = default_workers(config.get("realtime", "channel_layer"))
    # Worker processes re-read the configuration from the environment; they (and this process) serve requests,
    # so on PostgreSQL they take their connections from a pool (workos/settings/database.py).
    os.environ.update(config.as_environment())
    os.environ[SERVER_PROCESS] = "1"
    context.django("installed")
    from django.db import connections, transaction

    from workos.kernel.installer import Installer

    with transaction.atomic():
        Installer().ensure_kernel()  # a new database gets the kernel tables, so the login page works at once
    connections.close_all()  # the requests' threads take their own (the main thread would hold one of the pool's)
    import logging

    logging.getLogger("workos.server").info("WorkOS serving on http://%s:%s", host, port)
    if workers > 1 and config.get("realtime", "channel_layer") == "memory":
        # Each worker would keep its own live rooms: people on one page but on different workers would not see
        # each other's edits until they reconnect (nothing is lost: every update is in the database).
        message = "several workers with [realtime] channel_layer = \"memory\": set it to a Redis URL so live pages reach every worker"
        logging.getLogger("workos.server").warning(message)
        click.echo("warning: " + message, err=True)
    click.echo(f"WorkOS serving on http://{host}:{port} (log: {config.log_file})")
    options = dict(
        http="workos.web.protocol:NoDelayHttpToolsProtocol",
        loop="uvloop",  # libuv's event loop: less CPU per connection and per request than asyncio's own
        # Longer than the idle timeout of the proxy or client in front (nginx: 60 s), so that it is always the
        # client that closes an idle connection: a server closing one as a request arrives on it drops that request.
        timeout_keep_alive=config.get("server", "keep_alive_seconds"),
        backlog=2048,
        log_config=None,
        access_log=False,
        lifespan="off",
        server_header=False,
    )
    if workers > 1:  # a listening socket per process, so that connections are spread over them (workos/web/workers.py)
        from workos.web.workers import PortInUse, run_workers

        try:
            status = run_workers(host, port, workers, options)
        except PortInUse as error:
            raise click.ClickException(str(error)) from None
        raise SystemExit(status)
    uvicorn.run("workos.asgi:application", host=host, port=port, **options)


def default_workers(channel_layer: str) -> int:
    """One worker process per core — Django runs a request's code on one thread per process, so one process uses
    one core — when live rooms are shared through Redis; one process with the in-memory layer, where every
    worker would keep rooms of its own."""
    if channel_layer == "memory":
        return 1
    return max(2, os.cpu_count() or 1)
