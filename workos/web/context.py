from django.conf import settings

import workos


def shell(request):
    """What every page of the web client needs: product name and version."""
    return {"workos_version": workos.__version__, "workos_environment": settings.WORKOS_CONFIG.get("deploy", "environment")}
