"""schemathesis against the app's own OpenAPI document, over WSGI: no 5xx, answers match the schema.

Bounded on purpose (a few derandomized examples per operation) so it runs in seconds
in ``make test``; every operation of the core and of the sales plugin is exercised.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from crm_platform import tenancy
from crm_platform.testing import bearer, make_api_token

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance, response_headers_conformance]


@pytest.fixture()
def api_headers(app, db, company, user):
    """A read-write token of Acme's admin, and a few rows so reads sometimes find something."""
    from crm_platform.contacts.models import Activity, Organization, Person

    with tenancy.company_scope(company.id):
        org = Organization(name="Initech")
        db.session.add(org)
        db.session.flush()
        person = Person(first_name="Peter", last_name="Gibbons", organization_id=org.id, owner_id=user.id)
        db.session.add(person)
        db.session.flush()
        db.session.add(Activity(kind="note", body="Met at the fair", person_id=person.id, organization_id=org.id))
        db.session.commit()
    return bearer(make_api_token(company, user))


SETTINGS = settings(
    max_examples=6, derandomize=True, database=None, deadline=None,
    suppress_health_check=list(HealthCheck), print_blob=False,
)


def test_api_conforms_to_its_schema(app, api_headers):
    """Every operation of the document, a few generated requests each (schemathesis' Python API).

    (``schemathesis.pytest.from_fixture`` is not used: its lazy loader does not run on pytest 9.)
    """
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures, tried = [], []
    for result in schema.get_all_operations():
        operation = result.ok()
        tried.append(f"{operation.method.upper()} {operation.path}")

        @SETTINGS
        @given(case=operation.as_strategy())
        def run(case):
            case.call_and_validate(headers=api_headers, checks=CHECKS)

        try:
            run()
        except Exception as exc:  # noqa: BLE001 - collect every operation's failure, then report them all
            failures.append(f"{tried[-1]}: {type(exc).__name__}: {str(exc)[:2000]}")
    assert len(tried) >= 16, tried
    assert not failures, "\n\n".join(failures)
