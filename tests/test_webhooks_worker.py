"""A real `crm worker` process sends a queued webhook delivery to a loopback receiver."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from tests.http_receiver import http_receiver

ENQUEUE = """
from flask_migrate import upgrade
from crm_platform import tenancy
from crm_platform.app import create_app
from crm_platform.companies.service import create_company
from crm_platform.contacts.models import Person
from crm_platform.contacts.services import create_person
from crm_platform.extensions import db
from crm_platform.webhooks.models import WebhookSubscription
import sys

app = create_app()
with app.app_context():
    upgrade(revision="heads")
    company = create_company("Worker Co", slug="worker-co")
    with tenancy.company_scope(company.id):
        subscription = WebhookSubscription(url=sys.argv[1], events=["person.created"])
        db.session.add(subscription)
        db.session.commit()
        create_person(Person(first_name="Queued", last_name="Person"))
        db.session.commit()
        print(subscription.secret)
"""


def test_crm_worker_delivers_a_webhook(tmp_path):
    from crm_platform.webhooks.testing import signature_is_valid

    env = dict(os.environ)
    env.update(
        CRM_INSTANCE_PATH=str(tmp_path),
        CRM_DATABASE_URL=f"sqlite:///{tmp_path / 'w.db'}",
        CRM_HUEY_PATH=str(tmp_path / "jobs.db"),
        CRM_JOBS_IMMEDIATE="0",
        CRM_OUTBOUND_ALLOW_PRIVATE="1",
    )
    env.pop("CRM_REDIS_URL", None)
    with http_receiver() as receiver:
        made = subprocess.run([sys.executable, "-c", ENQUEUE, f"{receiver.url}/in"], env=env, check=True, timeout=120,
                              capture_output=True, text=True)
        secret = made.stdout.strip().splitlines()[-1]
        assert receiver.requests == [], "nothing is sent before a worker runs"
        worker = subprocess.Popen([str(Path(sys.executable).with_name("crm")), "worker", "--workers", "1"], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while not receiver.requests and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            worker.terminate()
            output = worker.communicate(timeout=30)[0].decode(errors="replace")
    assert receiver.requests, f"no webhook delivered; worker said:\n{output}"
    (request,) = receiver.requests
    assert request.headers["X-CRM-Event"] == "person.created"
    assert signature_is_valid(secret, request.headers, request.body)
