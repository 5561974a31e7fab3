import pytest

PAGE_WORKFLOW = {
    "code": "page_publishing",
    "name": "Page publishing",
    "res_model": "ipai.workos.page",
    "states": [
        {"code": "draft", "name": "Draft", "category": "todo", "is_initial": True},
        {"code": "review", "name": "In review", "category": "in_progress"},
        {"code": "published", "name": "Published", "category": "done"},
        {"code": "cancelled", "name": "Cancelled", "category": "cancelled"},
    ],
    "transitions": [
        {"from_state": "draft", "to_state": "review", "name": "Submit", "guard": "page_has_title"},
        {"from_state": "review", "to_state": "draft", "name": "Send back"},
        {"from_state": "review", "to_state": "published", "name": "Publish", "allowed_roles": ["admin"]},
        {"from_state": "draft", "to_state": "cancelled", "name": "Cancel"},
    ],
}


@pytest.fixture
def page_workflow(make_user):
    """The page publishing workflow, defined by a platform administrator through the service."""
    from ipai_platform_workflow import services

    root = make_user(admin=True)
    return services.create_workflow(root, **PAGE_WORKFLOW)
