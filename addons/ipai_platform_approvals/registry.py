"""Extension points of the approvals module.

``NOTIFIERS``: who hears about requests and decisions. Each is called with the request and what happened
(``requested``, ``approved``, ``rejected``, ``changes_requested``, ``withdrawn``); the collaboration module's notification inbox
registers one when it lands. Until then requesters follow their requests on the approvals page.
"""

from __future__ import annotations

from typing import Any, Callable

from workos.kernel.registry import Registry

Notifier = Callable[[Any, str], None]
NOTIFIERS: Registry[Notifier] = Registry("approval notifier")
