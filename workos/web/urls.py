from django.urls import path

from . import views

urlpatterns = [
    path("", views.root_view),
    path("web", views.shell_view, name="web-shell"),
    path("web/settings", views.settings_view, name="web-settings"),
    path("web/login", views.login_view, name="web-login"),
    path("web/logout", views.logout_view, name="web-logout"),
    path("web/health", views.health_view, name="web-health"),
    path("web/action/<int:action_id>", views.action_view, name="web-action"),
]
