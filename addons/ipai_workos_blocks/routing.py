"""WebSocket routes of this module, collected by ``workos.asgi`` from every active module's ``routing.py``."""

from django.urls import path

from .live.consumer import PageConsumer

websocket_urlpatterns = [
    path("ws/pages/<str:page_id>", PageConsumer.as_asgi()),
]
