from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "workos.web"
    label = "web"
    verbose_name = "WorkOS web client"
