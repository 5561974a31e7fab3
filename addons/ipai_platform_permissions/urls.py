from django.urls import path

from . import views

urlpatterns = [
    path("web/permissions/", views.grants_view, name="permissions-grants"),
    path("web/permissions/share-links/", views.share_links_view, name="permissions-share-links"),
    path("web/shared/<str:token>", views.shared_view, name="permissions-shared"),
]
