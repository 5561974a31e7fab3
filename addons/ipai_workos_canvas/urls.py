from django.urls import path

from . import views

urlpatterns = [
    path("web/canvases/<int:canvas_id>", views.canvas_view, name="workos-canvas"),
]
