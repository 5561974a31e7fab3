import os

import click

from . import pass_context


@click.command()
@click.option("--host", help="Address to listen on (default: [server] host).")
@click.option("--port", type=int, help="Port to listen on (default: [server] port).")
@click.option("--workers", type=int, help="Worker processes (default: [server] workers).")
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
    workers = workers or config.get("server", "workers")
    # Worker processes re-read the configuration from the environment.
    os.environ.update(config.as_environment())
    context.django("installed")
    from django.db import transaction

    from workos.kernel.installer import Installer

    with transaction.atomic():
        Installer().ensure_kernel()  # a new database gets the kernel tables, so the login page works at once
    import logging

    logging.getLogger("workos.server").info("WorkOS serving on http://%s:%s", host, port)
    if workers > 1 and config.get("realtime", "channel_layer") == "memory":
        # Each worker would keep its own live rooms: people on one page but on different workers would not see
        # each other's edits until they reconnect (nothing is lost: every update is in the database).
        message = "several workers with [realtime] channel_layer = \"memory\": set it to a Redis URL so live pages reach every worker"
        logging.getLogger("workos.server").warning(message)
        click.echo("warning: " + message, err=True)
    click.echo(f"WorkOS serving on http://{host}:{port} (log: {config.log_file})")
    uvicorn.run(
        "workos.asgi:application",
        host=host,
        port=port,
        workers=workers if workers > 1 else None,
        log_config=None,
        access_log=False,
        lifespan="off",
        server_header=False,
    )
