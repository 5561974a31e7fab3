from django.urls import path

from . import views

urlpatterns = [
    path("web/publishing/settings", views.publishing_settings_view, name="publishing_settings"),
    path("p/<slug:workspace_slug>/-/files/<str:key>", views.public_asset_view, name="public_asset"),
    path("p/<slug:workspace_slug>/<slug:slug>", views.public_page_view, name="public_page"),
]
