"""Several server processes on one port, each with a listening socket of its own (``SO_REUSEPORT``).

uvicorn's own ``--workers`` shares one listening socket between its processes, and asyncio accepts every
connection waiting on it at once: clients that connect together (an integration's connection pool, a proxy's
kept-alive upstream connections, the load benchmark) all land on the first process to wake, and stay there —
measured (issue 19): at 20 clients one of two processes served all 971 requests and the other none. Here each
process listens on a socket of its own and the kernel spreads new connections over them by the connection's
addresses. The parent only supervises: it claims the port first (a plain bind fails if anything listens there,
so two servers never share a port by mistake), starts the processes, starts again one that dies, and on SIGTERM
or SIGINT stops them all gracefully (uvicorn finishes the requests in flight).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import threading
import time

log = logging.getLogger("workos.server")

APPLICATION = "workos.asgi:application"
STOP_SECONDS = 30  # a worker's graceful stop, then it is killed
FAILED_START_SECONDS = 10  # a worker that dies this soon after it started did not start: the server exits


class PortInUse(Exception):
    pass


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _socket(host: str, *, reuse_port: bool) -> socket.socket:
    """A TCP socket that may bind a port its previous server's closed connections still hold (TIME_WAIT, for a
    minute after a restart), as uvicorn's own; with ``reuse_port``, one of the server's processes' group."""
    sock = socket.socket(_family(host), socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    return sock


def claim_port(host: str, port: int) -> socket.socket:
    """Fail with PortInUse if anything listens on (host, port); else a socket bound there with SO_REUSEPORT and
    not listening (it receives no connection), held by the parent so that no other server takes the port."""
    probe = _socket(host, reuse_port=False)
    try:
        probe.bind((host, port))
    except OSError as error:
        raise PortInUse(f"cannot listen on {host}:{port}: {error.strerror}") from None
    finally:
        probe.close()
    claim = _socket(host, reuse_port=True)
    claim.bind((host, port))
    return claim


def listening_socket(host: str, port: int, backlog: int) -> socket.socket:
    sock = _socket(host, reuse_port=True)
    sock.bind((host, port))
    sock.listen(backlog)
    return sock


def _stop_with_parent(parent: int) -> None:
    """A worker whose supervisor is gone (killed) stops itself instead of serving on, unsupervised."""
    while os.getppid() == parent:
        time.sleep(1)
    os.kill(os.getpid(), signal.SIGTERM)


def _worker(host: str, port: int, options: dict, parent: int) -> None:
    import uvicorn

    sock = listening_socket(host, port, options["backlog"])
    threading.Thread(target=_stop_with_parent, args=(parent,), daemon=True).start()
    uvicorn.Server(uvicorn.Config(APPLICATION, host=host, port=port, **options)).run(sockets=[sock])


def run_workers(host: str, port: int, workers: int, options: dict) -> int:
    """Serve with ``workers`` processes until SIGTERM or SIGINT; the exit status."""
    claim = claim_port(host, port)
    context = multiprocessing.get_context("spawn")
    stop = threading.Event()

    def start():
        process = context.Process(target=_worker, args=(host, port, options, os.getpid()), name="workos-worker")
        process.start()
        return process, time.monotonic()

    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)}
    processes = [start() for _ in range(workers)]
    status = 0
    try:
        while not stop.wait(0.5):
            for index, (process, started) in enumerate(processes):
                if process.is_alive():
                    continue
                if time.monotonic() - started < FAILED_START_SECONDS:
                    log.error("a server process exited at start (status %s): stopping", process.exitcode)
                    status = 1
                    stop.set()
                    break
                log.error("a server process exited (status %s): starting another", process.exitcode)
                processes[index] = start()
    finally:
        for process, _ in processes:
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn's graceful shutdown
        deadline = time.monotonic() + STOP_SECONDS
        for process, _ in processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        claim.close()
    return status
