"""ASGI entry point for uvicorn and gunicorn's uvicorn workers; the configuration comes from WORKOS_* variables.

HTTP goes to Django; WebSockets (Django Channels) to the routes of the active modules: each module may have a
``routing.py`` with ``websocket_urlpatterns`` (``/ws/pages/{id}`` comes from ipai_workos_blocks). A WebSocket
to any other path is refused. The session cookie authenticates WebSockets as it does pages.
"""

import importlib
import importlib.util
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workos.settings.base")

from django.conf import settings  # noqa: E402

from workos.settings.database import SERVER_PROCESS  # noqa: E402

if not settings.configured:  # a server process of its own (gunicorn's uvicorn workers), not a command or a test
    os.environ.setdefault(SERVER_PROCESS, "1")

from workos.web.handler import get_asgi_application  # noqa: E402

http_application = get_asgi_application()  # sets Django up before the consumers' modules are imported

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from workos.kernel.bootstrap import freeze_registries  # noqa: E402
from workos.web.inflight import RequestsInFlight  # noqa: E402


def websocket_routes() -> list:
    routes = []
    for module_name in settings.WORKOS_ACTIVE_MODULES:
        if importlib.util.find_spec(f"{module_name}.routing") is not None:
            routes.extend(importlib.import_module(f"{module_name}.routing").websocket_urlpatterns)
    return routes


application = ProtocolTypeRouter({
    "http": RequestsInFlight(http_application, settings.WORKOS_REQUESTS_IN_FLIGHT),
    "websocket": AuthMiddlewareStack(URLRouter(websocket_routes())),
})
freeze_registries()
