"""Templates: the only write path of this module, and its permission-checked reads.

A template is a validated JSON structure (``content.py``): a page with blocks, sub-pages and inline databases,
or databases with properties, views, sample rows and row templates, or one database row. Applying one
(``apply.py``) makes all of it in one transaction through the core, blocks, db and views services, so every
part is permission-checked and audited as if a user had made it by hand. Saving a page or a database as a
template (``templates.py``) takes only what the saver can read. System templates are module data
(``data/*.toml``), checked by ``validate_seed`` when they load.
"""

from __future__ import annotations

from .apply import apply_row_template, apply_template
from .content import KINDS, Variables, resolve, summary, validate_content
from .seed import validate_seed
from .templates import (
    can_change, create_row_template, create_template, delete_template, get_template, preview, save_database_as_template, save_page_as_template,
    template_json, templates_for, update_template,
)
from .transfer import export_template, import_template

QUERIES = ("templates_for", "get_template", "template_json", "preview", "can_change", "validate_content", "validate_seed", "summary",
           "resolve", "export_template")
