from django.urls import path

from . import views

urlpatterns = [
    path("web/theme/<int:theme_id>.css", views.theme_css_view, name="theme-css"),
    path("web/theme/<int:theme_id>/<str:kind>", views.theme_image_view, name="theme-image"),
    path("web/themes/", views.themes_view, name="themes"),
]
