from django.urls import path

from . import views

urlpatterns = [
    path("web/approvals/", views.approvals_view, name="approvals"),
]
