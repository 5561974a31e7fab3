{
    "name": "Approvals",
    "version": "1.0.0",
    "summary": "Approval requests with any/all/sequence policies and recorded decisions",
    "category": "Platform",
    "author": "WorkOS",
    "license": "LGPL-3",
    "depends": ["ipai_platform_workflow", "ipai_platform_permissions", "ipai_platform_audit"],
    "data": ["data/menus.toml"],
    "application": False,
    "installable": True,
}
