"""``/api/v1/workspaces``, ``/spaces``, ``/pages``: parse, call the service, shape the answer.

One module per resource, all on the one ``router`` that the API root mounts. Importing a module registers
its routes, so the order below is the order of the routes (``/pages/recent`` must come before
``/pages/{page_id}``) and of the OpenAPI document.
"""

from ._common import router
from . import workspaces, invitations, groups, spaces, pages, tree, trash, favorites_and_recent, history

__all__ = ["router"]
