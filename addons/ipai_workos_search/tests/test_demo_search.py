"""`make demo`: the demo content is searchable as soon as it is loaded (it is written through the services,
which keep the index fresh), over a real server's API."""

import httpx

PASSWORD = "correct-horse-9"


def test_demo_content_is_found_by_search(site, serve):
    site.install("ipai_workos_affine")
    site.workos("user", "create", "admin", "--admin", "--password-stdin", input=PASSWORD + "\n", check=True)
    site.workos("demo", "load", "--user", "admin", check=True)
    server = serve(site)
    token = httpx.post(server.base_url + "/api/v1/auth/token", json={"username": "admin", "password": PASSWORD, "name": "t"}).json()["token"]
    with httpx.Client(base_url=server.base_url, headers={"Authorization": "Bearer " + token}, timeout=30) as client:
        answer = client.get("/api/v1/search", params={"q": "handbook"})
        assert answer.status_code == 200, answer.text
        assert "Team handbook" in [item["title"] for item in answer.json()["items"]]
        welcome = client.get("/api/v1/search", params={"q": "welcome", "title_only": "true"}).json()["items"]
        assert [item["title"] for item in welcome] == ["Welcome to WorkOS", "Welcome to WorkOS"]
