"""Mixed read load for ``bench/load.py`` (locust, headless, loopback only).

The URLs and the signed-in people's session keys come from ``$BENCH_LOAD_PLAN`` (JSON written
by ``bench/load.py`` from the database the server uses), so the file works against data from
``generate_data`` as well as ``seed_demo``.  Four visitors in five are anonymous; one in five is
signed in and mostly looks at My learning.

The visitors are ``FastHttpUser`` (geventhttpclient): locust runs on the same two cores as the
server, and the default ``requests`` client costs several times more CPU per request, which the
server would lose.
"""

import json
import os
import random
from urllib.parse import urlencode

from locust import FastHttpUser, between, task

PLAN = json.loads(open(os.environ["BENCH_LOAD_PLAN"], encoding="utf-8").read())  # noqa: SIM115


def _with_query(path: str, query: dict) -> str:
    return f"{path}?{urlencode(query)}"


class Visitor(FastHttpUser):
    """Public pages: home, catalogue (filtered and searched), a course, verification, finders."""

    weight = 4
    wait_time = between(0.5, 1.5)

    @task(3)
    def home(self):
        self.client.get("/", name="home")

    @task(2)
    def catalogue_filtered(self):
        self.client.get(
            _with_query(PLAN["catalogue"], PLAN["catalogue_filter"]), name="catalogue?filter"
        )

    @task(2)
    def catalogue_search(self):
        self.client.get(_with_query(PLAN["catalogue"], {"q": PLAN["search"]}), name="catalogue?q")

    @task(3)
    def course(self):
        self.client.get(random.choice(PLAN["courses"]), name="course page")

    @task(1)
    def verify(self):
        if PLAN["verify"]:
            self.client.get(random.choice(PLAN["verify"]), name="certificate verification")

    @task(1)
    def activities(self):
        self.client.get("/activities/", name="activities")

    @task(1)
    def opportunities(self):
        self.client.get("/opportunities/", name="opportunities")


class Learner(FastHttpUser):
    """A signed-in person (session made beforehand): My learning, and now and then a course."""

    weight = 1
    wait_time = between(0.5, 1.5)

    def on_start(self):
        # An explicit Cookie header wins over the client's cookie jar.
        self.signed_in = {"Cookie": f"sessionid={random.choice(PLAN['sessions'])}"}

    @task(4)
    def my_learning(self):
        with self.client.get(
            "/learning/",
            name="my learning",
            headers=self.signed_in,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"not signed in ({response.status_code})")

    @task(1)
    def course(self):
        self.client.get(
            random.choice(PLAN["courses"]), name="course page (signed in)", headers=self.signed_in
        )
