from django.urls import path

from . import views

urlpatterns = [
    path("web/audit/", views.audit_log_view, name="audit-log"),
    path("web/audit/export", views.audit_export_view, name="audit-export"),
]
