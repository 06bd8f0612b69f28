"""Mixed load of a working day (issue 14): 16 users at once against gunicorn on the 100k copy.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/copy_100k .venv/bin/python bench/load_setup.py
    (start gunicorn like `make serve` on that database, with HTTPS=0 on loopback, then:)
    .venv/bin/locust -f bench/locustfile.py --headless -u 16 -r 16 -t 60s \
        --host http://127.0.0.1:8000 --csv /tmp/load --only-summary
    DATABASE_URL=… .venv/bin/python bench/load_check.py /tmp/load_stats.csv

Who does what (fixed numbers of users, 8 + 5 + 3 = 16; weights per user):
* 8 technicians on their tablet, each on its own job in progress: report autosave (the
  texts, as the tablet sends them while typing) 6, the work page 2, « my interventions » 2,
  the draft PDF preview 1;
* 5 dispatchers: the list (default, and « any status » at a random page) 4, a detail 4, the
  intake form 1, saving a call (creates an intervention) 1;
* 3 managers: a signed PDF (served from storage) 3, a detail 2, the billing list 1.
Users pause 50–150 ms between requests (a busy office compressed in time, to reach the rate).

Every write is tagged with the run's marker (bench/.load.json): created interventions carry
it in their object, report saves append a numbered token to the job's « work done »;
`bench/load_check.py` counts them in the database and compares with locust's successes.
"""

import http.cookiejar
import json
import random
import re
from pathlib import Path
from urllib.parse import urlsplit

from load_mix import call_form  # bench/ is on the path: locust adds the locustfile's folder
from locust import FastHttpUser, between, events, task

STATE = json.loads(Path(__file__).with_name(".load.json").read_text())
# What each virtual user saw succeed, written when locust quits: `bench/load_check.py` compares
# it with the database job by job (locust's own CSV can miss a request that finished while the
# run was stopping). One locust process, as documented: with `--processes` each process would
# keep its own record.
SEEN = Path(__file__).with_name(".load_seen.json")
SAVED: dict[int, int] = {}
CREATED: list[int] = [0]


@events.test_start.add_listener
def _forget(**_kwargs):
    SEEN.unlink(missing_ok=True)


@events.quitting.add_listener
def _write_seen(**_kwargs):
    SEEN.write_text(json.dumps({"saved": SAVED, "created": CREATED[0]}))


TECHNICIANS = iter(STATE["technicians"])
DISPATCHERS = iter(STATE["dispatchers"])
MANAGERS = iter(STATE["managers"])


VERSION = re.compile(r'id="report-form"[^>]*data-version="(\d+)"')


class Office(FastHttpUser):
    """geventhttpclient rather than python-requests (locust's `FastHttpUser`): the load
    generator shares the server's two cores, and requests spent ~1.5 ms of its CPU per request
    (7.8 s in a minute of 4,070 requests), taken from gunicorn and PostgreSQL."""

    abstract = True
    wait_time = between(0.05, 0.15)

    def login(self, session: str) -> None:
        """Logged in for the day: the session made by load_setup.py."""
        host = urlsplit(self.host).hostname
        self.client.cookiejar.set_cookie(
            http.cookiejar.Cookie(
                0, "sessionid", session, None, False, host, False, False, "/", True,
                False, None, False, None, None, {},
            )
        )  # fmt: skip

    @property
    def csrf(self) -> str:
        return next((c.value for c in self.client.cookiejar if c.name == "csrftoken"), "")


class Technician(Office):
    fixed_count = 8

    def on_start(self):
        me = next(TECHNICIANS)
        self.job = me["job"]
        self.login(me["session"])
        self.version = 0
        self.page = f"locust-{self.job}"
        self.work_page()  # the page the tablet opens first (its CSRF cookie, the texts' version)
        self.saved = 0
        self.text = ""

    @task(6)
    def report_autosave(self):
        text = f"{self.text} {STATE['marker']}-{self.job}-{self.saved + 1}".strip()
        with self.client.post(
            f"/interventions/{self.job}/work/report/",
            # The version the texts were read at, as the tablet sends it (optimistic locking).
            {"work_done": text, "version": self.version, "page": self.page},
            headers={"X-CSRFToken": self.csrf},
            name="tablet: report autosave",
            catch_response=True,
        ) as response:
            if response.status_code == 200 and response.json().get("saved"):
                self.version = response.json()["version"]
                self.saved += 1
                SAVED[self.job] = self.saved
                self.text = text
                response.success()
            else:
                response.failure(f"{response.status_code} {response.text[:100]}")

    @task(2)
    def work_page(self):
        page = self.client.get(f"/interventions/{self.job}/work/", name="tablet: work page")
        found = VERSION.search(page.text)
        if found:
            self.version = int(found.group(1))

    @task(2)
    def mine(self):
        self.client.get("/interventions/mine/", name="tablet: my interventions")

    @task(1)
    def draft_preview(self):
        self.client.get(f"/interventions/{self.job}/report-draft.pdf", name="pdf: draft preview")


class Dispatcher(Office):
    fixed_count = 5

    def on_start(self):
        self.login(next(DISPATCHERS))
        self.intake_form()  # CSRF cookie

    @task(2)
    def list_default(self):
        self.client.get("/interventions/", name="list: default")

    @task(2)
    def list_any_status(self):
        page = random.choice(STATE["list_pages"])
        self.client.get(f"/interventions/?status=&page={page}", name="list: any status, page N")

    @task(4)
    def detail(self):
        pk = random.choice(STATE["detail"])
        self.client.get(f"/interventions/{pk}/", name="detail")

    @task(1)
    def intake_form(self):
        self.client.get("/interventions/new/", name="intake: form")

    @task(1)
    def intake_save(self):
        with self.client.post(
            "/interventions/new/",
            {**call_form(STATE), "csrfmiddlewaretoken": self.csrf},
            headers={"X-CSRFToken": self.csrf},
            name="intake: save (creates)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code == 302 and "/interventions/" in response.headers.get(
                "Location", ""
            ):
                CREATED[0] += 1
                response.success()
            else:
                response.failure(f"{response.status_code}: not created")


class Manager(Office):
    fixed_count = 3

    def on_start(self):
        self.login(next(MANAGERS))

    @task(3)
    def signed_pdf(self):
        pk = random.choice(STATE["signed"])
        self.client.get(f"/interventions/{pk}/report.pdf", name="pdf: signed (storage)")

    @task(2)
    def detail(self):
        pk = random.choice(STATE["detail"])
        self.client.get(f"/interventions/{pk}/", name="detail")

    @task(1)
    def billing(self):
        self.client.get("/billing/", name="billing list")
