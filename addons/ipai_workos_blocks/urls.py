from django.urls import path

from . import views

urlpatterns = [
    path("web/pages", views.pages_home_view, name="workos-pages"),
    path("web/pages/tree", views.page_tree_view, name="workos-page-tree"),
    path("web/trash", views.trash_view, name="workos-trash"),
    path("web/pages/<int:page_id>", views.page_view, name="workos-page"),
]
