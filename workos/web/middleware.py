"""One log line per request: method, path, status, duration, user, address and how long it waited for its turn
in the server (``waited``: a server at its limit of requests in flight queues the others; ``-`` where nothing
queues), for operators and for `workos verify`."""

import logging
import time

from csp.constants import HEADER
from csp.middleware import CSPMiddleware

from workos.kernel.context import request_scope

log = logging.getLogger("workos.http")


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.monotonic()
        with request_scope(request):  # services read the request's IP and user agent for audit events
            response = self.get_response(request)
        # request.user is only looked at when something already loaded it: logging must not query the database.
        user = getattr(request, "_cached_user", None)
        user_label = user.get_username() if user is not None and user.is_authenticated else "-"
        waited = getattr(request, "scope", {}).get("workos.waited")
        log.info(
            "%s %s %s %.1fms user=%s ip=%s waited=%s",
            request.method,
            request.get_full_path()[:500],
            response.status_code,
            (time.monotonic() - started) * 1000,
            user_label,
            request.META.get("REMOTE_ADDR", "-"),
            "-" if waited is None else f"{waited * 1000:.1f}ms",
        )
        return response


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware (``CONTENT_SECURITY_POLICY`` in the settings, a nonce per request in
    ``request.csp_nonce``), plus one rule whatever a module's view says: a PDF is shown sandboxed. A PDF may carry
    script and forms; sandboxed, the browser runs none of it and gives it no access to the site's origin."""

    def process_response(self, request, response):
        if response.get("Content-Type", "").split(";")[0].strip().lower() == "application/pdf":
            policy = response.get(HEADER, "")
            if "sandbox" not in policy:
                response[HEADER] = f"{policy}; sandbox" if policy else "sandbox; default-src 'none'"
        return super().process_response(request, response)
