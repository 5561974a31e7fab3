from django.urls import path

from . import views

urlpatterns = [
    path("web/databases", views.database_list_view, name="workos-databases"),
    path("web/databases/<int:database_id>", views.database_view, name="workos-database"),
    path("web/databases/<int:database_id>/views/<int:view_id>", views.database_view, name="workos-database-view"),
]
