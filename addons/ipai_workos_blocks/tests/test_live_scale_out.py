"""The scale-out path of live pages (issue 14): two ``workos serve`` processes of one site share a real Redis (the
Django Channels Redis layer, ``[realtime] channel_layer = "redis://..."``), and Yjs clients connected to different
processes co-edit one page — pycrdt clients and Node's yjs + y-websocket, as in test_live_pages. Every edit made
on one process reaches the clients of the other, and nothing is lost."""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import subprocess

import httpx
import pytest

from workos.kernel.aio import run_to_end
from workos.settings.config import PROJECT_ROOT
from workos.testing.fixtures import Site, start_server

from .live_client import LiveClient, wait_for
from .test_live_pages import PASSWORD, Live, _contains_in_order, closed, connected, plain, run

_databases = itertools.count(1)


class TwoProcesses(Live):
    """The users and spaces of ``Live``, served by two processes: ``server`` (A) and ``other`` (B)."""

    def __init__(self, site: Site):
        super().__init__(site)
        self.other = start_server(site)

    def client_on(self, process: str, name: str, page_id: int, **options) -> LiveClient:
        server = self.server if process == "A" else self.other
        return LiveClient(server.base_url, page_id, self.tokens[name], **options)


@pytest.fixture(scope="module")
def two(tmp_path_factory, database_kind, request, redis_server):
    root = tmp_path_factory.mktemp("scale") / "site"
    root.mkdir()
    # A Redis database of its own: no other site of the session hears this one's rooms.
    layer = f'\n[realtime]\nchannel_layer = "redis://127.0.0.1:{redis_server.port}/{next(_databases) % 16}"\n'
    if database_kind == "postgresql":
        cluster = request.getfixturevalue("pg_cluster")
        name = "scale_" + root.parent.name.replace("-", "_")[-20:]
        site = Site(root=root, database_url=cluster.create_database(name), database_kind="postgresql", cluster=cluster,
                    database_name=name, extra_config=layer)
    else:
        site = Site(root=root, database_url=f"sqlite:///{root / 'var' / 'workos.sqlite3'}", database_kind="sqlite", extra_config=layer)
    site.write_config()
    site.install("ipai_workos_affine")
    site.workos("user", "create", "grace", "--admin", "--password-stdin", input=PASSWORD + "\n", check=True)
    for name in ("ada", "victor"):
        site.workos("user", "create", name, "--password-stdin", input=PASSWORD + "\n", check=True)
    instance = TwoProcesses(site)
    yield instance
    instance.server.stop()
    instance.other.stop()


def test_the_two_processes_use_the_redis_layer(two, redis_server):
    checked = two.site.workos("config", "check", "--json", check=True)
    assert f"redis://127.0.0.1:{redis_server.port}/" in checked.stdout
    assert two.server.process.pid != two.other.process.pid


def test_edits_made_on_one_process_reach_clients_of_the_other_and_none_is_lost(two):
    page_id = two.new_page(["start"])
    rng = random.Random(2026)
    typed: dict[str, list[str]] = {"A": [], "B": []}

    async def editor(client: LiveClient, process: str, seed: int):
        own = random.Random(seed)
        for step in range(30):
            mark = f"<{process}{step}>"
            typed[process].append(mark)
            paragraphs = len(client.fragment.children)
            if own.random() < 0.25:
                client.add_paragraph(mark, own.randint(0, paragraphs))
            else:  # at the start or the end of a paragraph: never inside another mark, so each stays whole
                target = own.randrange(paragraphs)
                client.type_into(target, 0 if own.random() < 0.5 else 10_000, mark)
            await asyncio.sleep(own.random() * 0.02)

    async def scenario():
        on_a = await connected(two.client_on("A", "grace", page_id))
        on_b = await connected(two.client_on("B", "ada", page_id))
        await asyncio.gather(editor(on_a, "A", rng.randrange(10_000)), editor(on_b, "B", rng.randrange(10_000)))
        for client in (on_a, on_b):
            await client.wait_saved()
        # every mark typed on either process is in both clients, which agree
        every = typed["A"] + typed["B"]

        def missing() -> list[str]:
            return [mark for client in (on_a, on_b) for mark in every if mark not in "".join(plain(client))]

        try:
            await wait_for(lambda: not missing(), 20, "")
        except AssertionError:
            raise AssertionError(f"edits made on one process never reached the other's client: {missing()}") from None
        await wait_for(lambda: plain(on_a) == plain(on_b), 20, "the clients of the two processes did not converge")
        final = plain(on_a)
        # what each process holds in memory is what the database holds: fresh clients on both see the same
        for process in ("A", "B"):
            fresh = await connected(two.client_on(process, "grace", page_id))
            assert plain(fresh) == final
            await fresh.close()
        for client in (on_a, on_b):
            await client.close()
        return final, every

    final, every = run(scenario())
    assert all(mark in "".join(final) for mark in every)
    run_to_end(wait_for(lambda: two.texts(page_id) == final, 20, "the blocks differ from the live document"))


def test_node_yjs_clients_spread_over_two_processes_converge_with_python_clients(two):
    page_id = two.new_page(["from blocks"])
    urls = ",".join(server.base_url.replace("http", "ws") + "/ws/pages" for server in (two.server, two.other))

    def node_clients() -> dict:
        result = subprocess.run(["node", "scripts/live-clients.mjs", urls, str(page_id), two.tokens["ada"], "4", "31"],
                                cwd=PROJECT_ROOT / "frontend", capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stdout + result.stderr
        return json.loads(result.stdout.strip().splitlines()[-1])

    async def scenario():
        on_a = await connected(two.client_on("A", "grace", page_id))
        on_b = await connected(two.client_on("B", "grace", page_id))
        on_a.add_paragraph("python on A")
        on_b.add_paragraph("python on B")
        for client in (on_a, on_b):
            await client.wait_saved()
        outcome = await asyncio.to_thread(node_clients)
        for client in (on_a, on_b):
            await wait_for(lambda: plain(client) == outcome["texts"], 15, "python and node clients differ")
        for client in (on_a, on_b):
            await client.close()
        return outcome

    outcome = run(scenario())
    assert outcome["converged"] is True and outcome["sees_others"] is True  # awareness crossed the processes too
    # node clients typed into them: their letters are all there, in order, with the others' in between
    assert any(_contains_in_order(text, "python on A") for text in outcome["texts"])
    assert any(_contains_in_order(text, "python on B") for text in outcome["texts"])
    run_to_end(wait_for(lambda: two.texts(page_id) == outcome["texts"], 15, "blocks differ"))


def test_presence_crosses_the_processes(two):
    page_id = two.new_page(["hi"])

    async def scenario():
        on_a = await connected(two.client_on("A", "ada", page_id))
        on_b = await connected(two.client_on("B", "grace", page_id))
        await on_a.set_awareness({"user": {"name": "whoever", "color": "#00aa00"}, "cursor": None})
        await wait_for(lambda: on_b.awareness, 10, "presence did not reach the other process")
        (state,) = on_b.awareness.values()
        assert state["user"] == {"id": two.ids["ada"], "name": "ada", "color": "#00aa00"}
        await on_a.close()
        await wait_for(lambda: not on_b.awareness, 10, "leaving did not reach the other process")
        await on_b.close()

    run(scenario())


def test_a_rest_write_on_one_process_reaches_a_live_editor_on_the_other(two):
    page_id = two.new_page(["one"])

    async def scenario():
        on_b = await connected(two.client_on("B", "ada", page_id))
        written = await asyncio.to_thread(two.put, page_id, ["one", "via REST on A"])  # two.put goes to A
        assert written.status_code == 200, written.text
        await wait_for(lambda: plain(on_b) == ["one", "via REST on A"], 10, "the REST write did not reach process B")
        await on_b.close()

    run(scenario())


def test_revoking_access_on_one_process_closes_the_session_on_the_other(two):
    page_id = two.new_page(["secret"], viewer=True)

    async def scenario():
        on_b = await connected(two.client_on("B", "victor", page_id))
        revoked = await asyncio.to_thread(lambda: two.api("grace").patch(f"/api/v1/permissions/{two.grant_id}", json={"level": "none"}))
        assert revoked.status_code == 200, revoked.text
        assert await closed(on_b) == (4403, "your access to this page was revoked")

    run(scenario())


def test_revoking_an_api_token_on_one_process_closes_its_sockets_on_both(two):
    page_id = two.new_page(["x"])
    token = httpx.post(two.base_url + "/api/v1/auth/token", json={"username": "ada", "password": PASSWORD, "name": "laptop"}, timeout=60).json()

    async def scenario():
        sockets = [await connected(LiveClient(server.base_url, page_id, token["token"])) for server in (two.server, two.other)]
        bystander = await connected(two.client_on("B", "ada", page_id))  # another token of the same user
        revoked = await asyncio.to_thread(lambda: two.api("ada").delete(f"/api/v1/auth/tokens/{token['id']}"))
        assert revoked.status_code in (200, 204), revoked.text
        for socket in sockets:
            assert await closed(socket) == (4403, "your API token was revoked")
        await asyncio.sleep(0.3)
        assert not bystander.closed.is_set()
        await bystander.close()

    run(scenario())
