from django.urls import path

from . import views

urlpatterns = [
    path("web/workflows/", views.workflows_view, name="workflows"),
]
