"""A load of real API reads and writes, for the zero-downtime tests and the deploy benchmark.

``clients`` threads each loop over: list pages (GET /api/v1/pages), create a page (POST /api/v1/pages), read
it back (GET /api/v1/pages/{id}). Every request is recorded with its start, duration and status (None when no
HTTP answer came: refused, reset, timed out). Each request opens its own connection: a failure is then a real
failure of the server side, not a client reusing a connection that nginx closed at a reload (browsers retry
those; a counting test should not have to).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

import httpx

# One line per request would drown a failing test's output.
logging.getLogger("httpx").setLevel(logging.WARNING)


@dataclass
class Sample:
    started: float
    seconds: float
    method: str
    status: int | None
    retry_after: str | None = None
    error: str | None = None
    body: str | None = None  # kept for answers >= 500 (the maintenance page)


@dataclass
class ApiLoad:
    base_url: str
    token: str
    space_id: int
    clients: int = 4
    pause: float = 0.0
    timeout: float = 60.0
    samples: list[Sample] = field(default_factory=list)

    def __post_init__(self):
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._client, args=(number,), daemon=True) for number in range(self.clients)]

    def _request(self, client: httpx.Client, method: str, path: str, **kwargs) -> httpx.Response | None:
        began = time.monotonic()
        try:
            response = client.request(method, self.base_url + path, **kwargs)
            sample = Sample(began, time.monotonic() - began, method, response.status_code, response.headers.get("retry-after"),
                            body=response.text[:500] if response.status_code >= 500 else None)
        except httpx.HTTPError as error:
            response = None
            sample = Sample(began, time.monotonic() - began, method, None, error=f"{type(error).__name__}: {error}")
        with self._lock:
            self.samples.append(sample)
        return response

    def _client(self, number: int) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        limits = httpx.Limits(max_keepalive_connections=0)
        with httpx.Client(timeout=self.timeout, headers=headers, limits=limits, trust_env=False) as client:
            counter = 0
            while not self._stop.is_set():
                counter += 1
                self._request(client, "GET", "/api/v1/pages?limit=5")
                created = self._request(client, "POST", "/api/v1/pages",
                                        json={"space_id": self.space_id, "title": f"load {number}-{counter}"})
                if created is not None and created.status_code == 201:
                    self._request(client, "GET", f"/api/v1/pages/{created.json()['id']}")
                if self.pause:
                    self._stop.wait(self.pause)

    def __enter__(self) -> "ApiLoad":
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()

    def between(self, start: float, end: float) -> list[Sample]:
        return [s for s in self.samples if start <= s.started <= end]

    @staticmethod
    def failed(samples: list[Sample]) -> list[Sample]:
        """Requests without a successful answer (no answer, or any status >= 400)."""
        return [s for s in samples if s.status is None or s.status >= 400]

    @staticmethod
    def p99(samples: list[Sample]) -> float | None:
        durations = sorted(s.seconds for s in samples)
        if not durations:
            return None
        return durations[min(len(durations) - 1, int(round(0.99 * (len(durations) - 1))))]


def api_token(base_url: str, username: str, password: str) -> str:
    response = httpx.post(base_url + "/api/v1/auth/token", json={"username": username, "password": password, "name": "load"},
                          timeout=60, trust_env=False)
    response.raise_for_status()
    return response.json()["token"]


def api_space(base_url: str, token: str) -> int:
    """A workspace and a space to write pages into; returns the space id."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(timeout=60, headers=headers, trust_env=False) as client:
        workspace = client.post(base_url + "/api/v1/workspaces", json={"name": "Load"})
        workspace.raise_for_status()
        space = client.post(base_url + "/api/v1/spaces", json={"workspace_id": workspace.json()["id"], "name": "Load"})
        space.raise_for_status()
        return space.json()["id"]
