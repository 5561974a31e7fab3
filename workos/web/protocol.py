"""The HTTP protocol ``workos serve`` gives uvicorn: uvicorn's httptools protocol (the C parser of Node.js's
http-parser family; uvicorn's pure-Python h11 cost ~0.9 ms of CPU a request, a fifth of the floor's — issue 19,
benchmarks/README.md), with TCP_NODELAY on every connection.

asyncio sets TCP_NODELAY on the connections it accepts only when the listening socket says it is TCP
(``socket.proto == IPPROTO_TCP``); the sockets made for several workers are made with protocol 0, so with
``--workers 2`` and more every connection kept Nagle's algorithm. A response goes out as two writes (headers,
then body); the second waited for the client's delayed ACK of the first — 40 ms on Linux, on every request of a
kept-alive connection (measured: 44 ms round trip for a 2 ms response, benchmarks/README.md).
"""

from __future__ import annotations

import socket

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class NoDelayHttpToolsProtocol(HttpToolsProtocol):
    def connection_made(self, transport) -> None:
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass  # the connection is gone already; the protocol sees it next
        super().connection_made(transport)
