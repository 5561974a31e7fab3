from django.urls import path

from . import views

urlpatterns = [
    path("web/inbox", views.inbox_view, name="workos-inbox"),
]
