"""WebSocket routes of this module, collected by ``workos.asgi`` from every active module's ``routing.py``."""

from django.urls import path

from .live.consumer import CanvasConsumer

websocket_urlpatterns = [
    path("ws/canvases/<str:canvas_id>", CanvasConsumer.as_asgi()),
]
