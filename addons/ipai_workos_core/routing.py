"""WebSocket routes of this module, collected by ``workos.asgi`` from every active module's ``routing.py``."""

from django.urls import path

from .live.consumer import EventsConsumer

websocket_urlpatterns = [
    path("ws/events", EventsConsumer.as_asgi()),
]
