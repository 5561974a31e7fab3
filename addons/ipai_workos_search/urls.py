from django.urls import path

from . import views

urlpatterns = [
    path("web/search", views.search_view, name="workos-search"),
]
