"""Walk every registered route as a user of company A with ids from company B.

Every route that takes a row id (``<int:TABLENAME_id>``) must answer 404 and change
nothing in company B. New routes, from the core or a plugin, are picked up
automatically; a route whose id argument does not name a company-owned table fails.
"""

import pytest

from crm_platform.extensions import db as handle
from crm_platform.testing_routes import assert_foreign_ids_are_404


@pytest.fixture()
def walk_app(make_app):
    from crm_platform.testing import empty_tables

    application = make_app(WTF_CSRF_ENABLED=False)
    with application.app_context():
        try:
            yield application
        finally:
            empty_tables(handle)


def test_every_id_route_hides_other_companies(walk_app):
    assert_foreign_ids_are_404(walk_app)
