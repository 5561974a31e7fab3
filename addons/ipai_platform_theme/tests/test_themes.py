"""Themes: validated tokens served as CSS custom properties on every page, per workspace; logos without script."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ipai_platform_theme import services
from ipai_platform_theme.models import Theme
from ipai_platform_theme.svg import UnsafeSvg, sanitise_svg

CLEAN_SVG = b"""<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:sodipodi="http://sodipodi.sourceforge.net" viewBox="0 0 10 10">
  <metadata>editor junk</metadata><sodipodi:namedview/>
  <title>Acme</title><circle cx="5" cy="5" r="4" fill="#2f6fed"/><use href="#c"/>
</svg>"""

UNSAFE_SVGS = {
    "script": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "handler": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="1" height="1"/></svg>',
    "javascript link": b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><use xlink:href="javascript:alert(1)"/></svg>',
    "anchor": b'<svg xmlns="http://www.w3.org/2000/svg"><a href="https://evil.example"><rect width="1" height="1"/></a></svg>',
    "foreign html": b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><body xmlns="http://www.w3.org/1999/xhtml"><script>1</script></body></foreignObject></svg>',
    "entity": b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>',
    "css import": b'<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(https://evil.example/x.css);</style></svg>',
    "external image": b'<svg xmlns="http://www.w3.org/2000/svg"><image href="https://evil.example/x.png"/></svg>',
    "animation": b'<svg xmlns="http://www.w3.org/2000/svg"><set attributeName="onmouseover" to="alert(1)"/></svg>',
}


@pytest.mark.parametrize("name", sorted(UNSAFE_SVGS))
def test_svg_with_anything_active_is_refused(name):
    with pytest.raises(UnsafeSvg):
        sanitise_svg(UNSAFE_SVGS[name])


def test_clean_svg_keeps_its_drawing_and_loses_the_rest():
    cleaned = sanitise_svg(CLEAN_SVG).decode()

    assert "<circle" in cleaned and 'fill="#2f6fed"' in cleaned and "<title>Acme</title>" in cleaned
    assert "metadata" not in cleaned and "sodipodi" not in cleaned and "<?xml" not in cleaned


@pytest.fixture
def root(make_user):
    return make_user(admin=True)


def test_tokens_are_validated(root, api_for):
    api = api_for(root)

    def create(**values):
        return api.post("/themes", {"name": "Acme", **values})

    assert create(primary_color="red; background: url(https://evil.example)").json()["error"]["field"] == "primary_color"
    assert create(accent_color="#12345").status_code == 422
    assert create(font_family="Inter; } body { display: none").json()["error"]["field"] == "font_family"
    assert create(radius=99).status_code == 422
    assert create(density="cosy").status_code == 422
    assert create(dark_tokens={"primary_color": "blue"}).status_code == 422
    assert create(dark_tokens={"shadow": "#000000"}).status_code == 422
    assert create(primary_color="#AABBCC").json()["primary_color"] == "#aabbcc"
    assert create().status_code == 409  # the name is taken now
    assert api_for(make_user_plain(root)).post("/themes", {"name": "Mine"}).status_code == 403


def make_user_plain(root):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user(username=f"plain-{root.pk}", password="correct-horse-9")


def test_css_custom_properties_with_a_dark_variant(root, client):
    theme = services.create_theme(root, name="Night", primary_color="#112233", radius=10, density="compact",
                                  dark_tokens={"background_color": "#000000"})

    css = client.get(f"/web/theme/{theme.pk}.css").content.decode()

    assert "--color-primary: #112233;" in css and "--radius: 10px;" in css and "--density: 0.85;" in css
    assert "prefers-color-scheme: dark" in css and "--color-background: #000000;" in css
    assert client.get("/web/theme/999999.css").status_code == 404


def test_every_page_links_the_default_theme(root, client):
    default = Theme.objects.get(is_default=True)

    login_page = client.get("/web/login").content.decode()

    assert f'href="/web/theme/{default.pk}.css?v=' in login_page


def test_logo_upload_refuses_script_and_serves_the_clean_file_with_a_strict_policy(root, api_for, client):
    api = api_for(root)
    theme_id = api.post("/themes", {"name": "Logo"}).json()["id"]

    def upload(content, name="logo.svg", content_type="image/svg+xml"):
        return api.client.post(f"/api/v1/themes/{theme_id}/logo", {"file": SimpleUploadedFile(name, content, content_type)}, **api.headers)

    refused = upload(UNSAFE_SVGS["script"])
    accepted = upload(CLEAN_SVG)
    served = client.get(accepted.json()["logo_url"])
    png = upload(b"\x89PNG\r\n\x1a\n" + b"\0" * 16, "logo.png", "image/png")
    text = upload(b"hello", "logo.txt", "text/plain")

    assert refused.status_code == 422 and "script" in refused.json()["error"]["message"]
    assert accepted.status_code == 200
    assert served["Content-Type"] == "image/svg+xml" and "default-src 'none'" in served["Content-Security-Policy"]
    assert b"<circle" in served.content and b"metadata" not in served.content
    assert png.json()["logo_url"] and text.status_code == 422


def test_workspace_admin_chooses_the_workspace_theme(tree, root, make_user, member_of, api_for, client):
    theme = services.create_theme(root, name="Acme brand", primary_color="#ff0000")
    body = {"scope_model": "ipai.workos.workspace", "scope_id": str(tree.workspace.pk), "theme_id": theme.pk}
    member = member_of(make_user(), "member")

    assert api_for(member).put("/theme-assignments", body).status_code == 403
    assert api_for(make_user()).put("/theme-assignments", body).status_code == 404
    assigned = api_for(tree.admin).put("/theme-assignments", body)
    assert assigned.status_code == 200 and assigned.json()["theme_id"] == theme.pk

    client.force_login(member)
    session = client.session
    session["workos_workspace_id"] = tree.workspace.pk
    session.save()
    assert f"/web/theme/{theme.pk}.css" in client.get("/web").content.decode()
    cleared = api_for(tree.admin).put("/theme-assignments", {**body, "theme_id": None})
    assert cleared.json()["theme_id"] is None


def test_default_theme_cannot_be_deleted_and_can_be_moved(root, api_for):
    api = api_for(root)
    default = Theme.objects.get(is_default=True)
    other = api.post("/themes", {"name": "Other"}).json()

    assert api.delete(f"/themes/{default.pk}").status_code == 409
    assert api.patch(f"/themes/{other['id']}", {"is_default": True}).json()["is_default"] is True
    assert api.delete(f"/themes/{default.pk}").status_code == 204


def test_themes_page_previews_and_saves(root, client):
    client.force_login(root)
    theme = Theme.objects.get(is_default=True)

    page = client.get("/web/themes/")
    saved = client.post("/web/themes/", {"theme_id": theme.pk, "name": theme.name, "primary_color": "#123456", "radius": "4"})
    refused = client.post("/web/themes/", {"theme_id": theme.pk, "primary_color": "javascript:alert(1)"})

    assert page.status_code == 200 and b"Preview" in page.content
    assert saved.status_code == 302
    theme.refresh_from_db()
    assert theme.primary_color == "#123456" and theme.radius == 4
    assert refused.status_code == 422


def test_a_workspace_theme_exists_only_for_its_members(tree, root, make_user, member_of, api_for, client):
    from ipai_workos_core import services as core

    outsider = make_user()  # belongs to workspace B only
    core.create_workspace(outsider, "Globex")
    member = member_of(make_user(), "member")
    system = services.create_theme(root, name="Everyone's")
    owned = api_for(root).post("/themes", {"name": "Acme secret", "owner_model": "ipai.workos.workspace",
                                           "owner_id": str(tree.workspace.pk)}).json()
    logo = SimpleUploadedFile("logo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 16, "image/png")
    api_for(root).client.post(f"/api/v1/themes/{owned['id']}/logo", {"file": logo}, **api_for(root).headers)
    missing_id = owned["id"] + 1000

    def names(user):
        return {t["name"] for t in api_for(user).get("/themes").json()}

    assert {"Acme secret", "Everyone's"} <= names(member) and owned["owner_id"] == str(tree.workspace.pk)
    assert "Acme secret" not in names(outsider) and "Everyone's" in names(outsider)
    for user, status in ((member, 200), (outsider, 404)):
        assert api_for(user).get(f"/themes/{owned['id']}").status_code == status
        assert api_for(user).get(f"/themes/{owned['id']}/css").status_code == status
    assert api_for(outsider).get(f"/themes/{owned['id']}").json() == api_for(outsider).get(f"/themes/{missing_id}").json()
    assert api_for(outsider).get(f"/themes/{system.pk}").status_code == 200

    for user in (member, outsider, None):
        client.logout()
        if user is not None:
            client.force_login(user)
        expected = 200 if user is member else 404
        assert client.get(f"/web/theme/{owned['id']}.css").status_code == expected
        assert client.get(f"/web/theme/{owned['id']}/logo").status_code == expected
        assert client.get(f"/web/theme/{system.pk}.css").status_code == 200
    assert client.get(f"/web/theme/{owned['id']}.css").content == client.get(f"/web/theme/{missing_id}.css").content


def test_a_workspace_theme_is_chosen_only_in_its_workspace(tree, root, make_user, api_for):
    from ipai_workos_core import services as core

    other_admin = make_user()
    other = core.create_workspace(other_admin, "Globex")
    owned = services.create_theme(root, name="Acme only", owner_model="ipai.workos.workspace", owner_id=str(tree.workspace.pk))
    body = {"scope_model": "ipai.workos.workspace", "scope_id": str(other.pk), "theme_id": owned.pk}

    assert api_for(other_admin).put("/theme-assignments", body).status_code == 404
    assert api_for(root).put("/theme-assignments", body).status_code == 422
    assert api_for(tree.admin).put("/theme-assignments", {**body, "scope_id": str(tree.workspace.pk)}).status_code == 200
    assert api_for(root).patch(f"/themes/{owned.pk}", {"is_default": True}).status_code == 409
    assert api_for(root).post("/themes", {"name": "Nowhere", "owner_model": "ipai.workos.space",
                                          "owner_id": str(tree.space.pk)}).status_code == 422
