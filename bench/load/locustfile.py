"""Deadline day on the platform, for locust (run by bench/load.py; PMM_LOAD_USERS names the users file).

Who (weights: the share of simulated users):
- NCPs (8 in 11), each of a member drawn at random among the 187: mostly reading and saving their
  assessment of the cycle that closes today (a save sends the version read just before; a 409, when
  two users of the same member saved at once, is expected and counted on its own line, not as an
  error), then their dashboard (page and API) and results of last year's published cycle, and the
  trivial `GET /api/v1/me` (the reference);
- visitors of the public site (2 in 11): the home page, a member's page, the list of KPIs, a KPI;
- the Secretariat (1 in 11): the status board of the closing cycle, and `GET /api/v1/me`.
Everyone waits 1 to 3 seconds between two requests (a save is a read, then at once a write).
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any

from locust import HttpUser, between, task
from locust.clients import LocustHttpAdapter
from urllib3.util.retry import Retry

DATA: dict[str, Any] = json.loads(Path(os.environ["PMM_LOAD_USERS"]).read_text())
CURRENT, PUBLISHED = DATA["current"], DATA["published"]
CONFLICT = "PUT assessment values: 409 conflict (expected)"


def problem(response: Any) -> str:
    """What went wrong, in a few words (locust groups errors by this text)."""
    if response.status_code == 0:
        return f"no answer: {response.error!r}"[:200]
    return f"{response.status_code}: {response.text[:120]}"


def fetch(user: HttpUser, path: str, name: str, headers: dict[str, str] | None = None) -> None:
    """GET `path`; anything but a 200 (a redirect to the sign-in page too) counts as an error."""
    with user.client.get(
        path, headers=headers, name=name, allow_redirects=False, catch_response=True
    ) as response:
        if response.status_code != 200:
            response.failure(problem(response))


class Visitor(HttpUser):
    """A browser-like user: it waits 1 to 3 s between requests, and retries a GET once when the
    kept-alive connection it reused was closed by the server meanwhile (gunicorn closes idle
    connections after a few seconds), as browsers do."""

    abstract = True
    wait_time = between(1, 3)

    def on_start(self) -> None:
        retry = Retry(
            total=1, connect=1, read=1, status=0, other=0, allowed_methods={"GET"}, raise_on_status=False
        )
        self.client.mount("http://", LocustHttpAdapter(pool_manager=None, max_retries=retry))


class Ncp(Visitor):
    weight = 8

    def on_start(self) -> None:
        super().on_start()
        self.ncp = random.choice(DATA["ncps"])
        self.iso3 = self.ncp["iso3"]
        self.api = {"Authorization": f"Bearer {self.ncp['token']}"}
        self.client.cookies.set("sessionid", self.ncp["session"])
        self.bump = 0

    def read_assessment(self) -> int | None:
        with self.client.get(
            f"/api/v1/cycles/{CURRENT}/assessments/{self.iso3}",
            headers=self.api,
            name="GET assessment (API)",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(problem(response))
                return None
            return int(response.json()["version"])

    @task(6)
    def assessment(self) -> None:
        self.read_assessment()

    @task(4)
    def save_values(self) -> None:
        version = self.read_assessment()
        if version is None:
            return
        self.bump = 1 - self.bump  # values go up by one, then back
        values = [{**v, "value": v["value"] + self.bump, "state": "reported"} for v in self.ncp["values"]]
        with self.client.put(
            f"/api/v1/cycles/{CURRENT}/assessments/{self.iso3}/values",
            json={"version": version, "values": values},
            headers=self.api,
            name="PUT assessment values (API)",
            catch_response=True,
        ) as response:
            if response.status_code == 409:
                response.request_meta["name"] = CONFLICT
                response.success()
            elif response.status_code != 200:
                response.failure(problem(response))

    @task(2)
    def dashboard_api(self) -> None:
        fetch(
            self, f"/api/v1/cycles/{PUBLISHED}/members/{self.iso3}/dashboard", "GET dashboard (API)", self.api
        )

    @task(2)
    def dashboard_page(self) -> None:
        fetch(self, f"/cycles/{PUBLISHED}/members/{self.iso3}/dashboard/", "GET dashboard (page)")

    @task(1)
    def results(self) -> None:
        fetch(self, f"/api/v1/cycles/{PUBLISHED}/results", "GET results (API)", self.api)

    @task(1)
    def me(self) -> None:
        fetch(self, "/api/v1/me", "GET /api/v1/me", self.api)


class PublicVisitor(Visitor):
    weight = 2

    @task(2)
    def home(self) -> None:
        fetch(self, "/public/", "GET public home")

    @task(2)
    def member(self) -> None:
        iso3 = random.choice(DATA["members"])
        fetch(self, f"/public/cycles/{PUBLISHED}/members/{iso3}/", "GET public member page")

    @task(1)
    def kpis(self) -> None:
        fetch(self, f"/public/cycles/{PUBLISHED}/kpis/", "GET public KPI list")

    @task(2)
    def kpi(self) -> None:
        code = random.choice(DATA["kpis"])
        fetch(self, f"/public/cycles/{PUBLISHED}/kpis/{code}/", "GET public KPI page")


class Secretariat(Visitor):
    weight = 1

    def on_start(self) -> None:
        super().on_start()
        self.client.cookies.set("sessionid", DATA["secretariat"]["session"])
        self.api = {"Authorization": f"Bearer {DATA['secretariat']['token']}"}

    @task(3)
    def board(self) -> None:
        fetch(self, f"/cycles/{CURRENT}/board/", "GET status board (page)")

    @task(1)
    def me(self) -> None:
        fetch(self, "/api/v1/me", "GET /api/v1/me", self.api)
