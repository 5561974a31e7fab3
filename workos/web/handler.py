"""Django's ASGI handler with the middleware chain run synchronously: one turn of the request's thread.

Under ASGI Django loads the middleware in async mode and adapts each one to its neighbours: a sync-only
middleware (ours, WhiteNoise) between async-capable ones (Django's, django-axes) makes the request cross from
its thread to the event loop and back at every change of mode, and the (synchronous) view is one more crossing —
each a future, a wake-up of the loop and a copy of the context (py-spy of the load benchmark's floor, issue 19).
WorkOS's views are synchronous, so the chain is loaded as under WSGI and the request enters its thread once for
the chain and the view. What the loop still does itself is what it does best: read the body, send the answer,
and notice a client that went away."""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.core.handlers import asgi, base
from django.http import FileResponse


class ASGIHandler(asgi.ASGIHandler):
    def __init__(self):
        base.BaseHandler.__init__(self)
        self.load_middleware(is_async=False)

    async def run_get_response(self, request):
        response = await sync_to_async(self.get_response)(request)  # thread-sensitive: the request's thread
        response._handler_class = self.__class__
        if isinstance(response, FileResponse):  # as Django's: the server chunks a file's body
            response.block_size = self.chunk_size
        return response


def get_asgi_application() -> ASGIHandler:
    """``django.core.asgi.get_asgi_application`` with this handler."""
    import django

    django.setup(set_prefix=False)
    return ASGIHandler()
