from django.urls import path

from . import views

urlpatterns = [
    path("web/invite/<str:token>", views.invite_view, name="workos-invite"),
]
