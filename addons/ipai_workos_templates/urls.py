from django.urls import path

from . import views

urlpatterns = [
    path("web/templates", views.gallery_view, name="workos-templates"),
    path("web/templates/<int:template_id>/apply", views.apply_view, name="workos-template-apply"),
]
