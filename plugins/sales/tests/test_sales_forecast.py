"""Forecast: weighted pipeline by month, owner and pipeline; won against target; the chart; the targets grid."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select

from crm_platform import tenancy
from crm_platform.testing import make_user

RANGE = "from=2030-01&to=2030-03"


def seed(sales, user, company, db):
    """Known deals in Jan-Mar 2030 (EUR unless said), plus some that must not count."""
    from crm_sales import services
    from crm_sales.models import Pipeline, SalesTarget

    bob = make_user(company, "bob@acme.test", "member", name="Bob Member")
    sales.deal("A", stage=0, value="1000", expected_close_date=date(2030, 1, 15))                      # 10 % → 100
    sales.deal("B", stage=2, value="2000", expected_close_date=date(2030, 1, 31), owner_id=bob.id)     # 50 % → 1000
    sales.deal("C", stage=3, value="4000", expected_close_date=date(2030, 2, 10))                      # 75 % → 3000
    sales.deal("Later", stage=1, value="500", expected_close_date=date(2030, 4, 1))                    # outside
    sales.deal("Dollars", stage=3, value="3000", currency="USD", expected_close_date=date(2030, 2, 3))  # other currency
    sales.deal("Undated", stage=3, value="7000")                                                       # no close date
    sales.deal("Won", stage=3, value="1500", state="won", closed_at=datetime(2030, 2, 5, 12, tzinfo=UTC),
               expected_close_date=date(2029, 12, 1))
    sales.deal("Lost", stage=3, value="9999", state="lost", closed_at=datetime(2030, 2, 6, tzinfo=UTC),
               expected_close_date=date(2030, 2, 6))
    with tenancy.company_scope(company.id):
        other = Pipeline(name="Partners", position=1)
        db.session.add(other)
        services.add_default_stages(other)
        db.session.flush()
        stage = other.stages[2]  # Proposal, 50 %
        deal = services.Deal(title="Partner", value=Decimal("1000"), currency="EUR", pipeline_id=other.id, stage_id=stage.id,
                             owner_id=bob.id, expected_close_date=date(2030, 3, 20))
        services.create_deal(deal)
        db.session.add(SalesTarget(user_id=user.id, month=date(2030, 2, 1), amount=Decimal("2000")))
        db.session.add(SalesTarget(user_id=bob.id, month=date(2030, 1, 1), amount=Decimal("1000")))
        db.session.commit()
        return bob.id, other.id


def figures(company, **args):
    from werkzeug.datastructures import MultiDict

    from crm_sales.forecast import ForecastFilters, build

    with tenancy.company_scope(company.id):
        filters = ForecastFilters.parse(MultiDict({"from": "2030-01", "to": "2030-03", **args}), "EUR")
        return build(filters, "EUR")


def test_weighted_pipeline_by_month_owner_and_pipeline(app, sales, user, company, db):
    bob_id, partners_id = seed(sales, user, company, db)
    result = figures(company)
    months = {key: (row["weighted"], row["open"], row["count"], row["won"], row["target"]) for key, row in result.by_month.items()}
    assert months == {
        "2030-01": (Decimal("1100.00"), Decimal("3000.00"), 2, Decimal("0.00"), Decimal("1000.00")),
        "2030-02": (Decimal("3000.00"), Decimal("4000.00"), 1, Decimal("1500.00"), Decimal("2000.00")),
        "2030-03": (Decimal("500.00"), Decimal("1000.00"), 1, Decimal("0.00"), Decimal("0.00")),
    }
    assert result.totals["weighted"] == Decimal("4600.00") and result.totals["won"] == Decimal("1500.00")
    assert result.by_owner[user.id]["weighted"] == Decimal("3100.00")
    assert result.by_owner[user.id]["won"] == Decimal("1500.00") and result.by_owner[user.id]["target"] == Decimal("2000.00")
    assert result.by_owner[bob_id]["weighted"] == Decimal("1500.00") and result.by_owner[bob_id]["target"] == Decimal("1000.00")
    assert result.by_pipeline[sales.pipeline_id]["weighted"] == Decimal("4100.00")
    assert result.by_pipeline[partners_id]["weighted"] == Decimal("500.00")


def test_filters_by_pipeline_owner_currency(app, sales, user, company, db):
    bob_id, partners_id = seed(sales, user, company, db)
    assert figures(company, pipeline=str(partners_id)).totals["weighted"] == Decimal("500.00")
    assert figures(company, pipeline=str(partners_id)).totals["target"] == Decimal("0.00")  # targets are per person
    mine = figures(company, owner=str(user.id))
    assert mine.totals["weighted"] == Decimal("3100.00") and mine.totals["target"] == Decimal("2000.00")
    dollars = figures(company, currency="USD")
    assert dollars.totals["weighted"] == Decimal("2250.00") and dollars.totals["target"] == Decimal("0.00")


def test_won_against_target_on_the_page(logged_in_client, sales, user, company, db):
    seed(sales, user, company, db)
    page = logged_in_client.get(f"/sales/forecast?{RANGE}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "€4,600" in html and "€1,500" in html and "€3,000" in html
    assert "75 %" in html  # Ada won 1,500 of 2,000 in February
    assert "Partners" in html and "Bob Member" in html
    assert f'src="/sales/forecast/chart.svg?from=2030-01' in html and "<script>" not in html.split("<body")[1].replace('<script src', '')
    fragment = logged_in_client.get(f"/sales/forecast?{RANGE}&owner={user.id}", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.get_data(as_text=True)
    assert "€3,100" in fragment.get_data(as_text=True)


def test_chart_is_svg_without_scripts(logged_in_client, sales, user, company, db):
    seed(sales, user, company, db)
    response = logged_in_client.get(f"/sales/forecast/chart.svg?{RANGE}")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert body.startswith("<svg") and "<script" not in body.lower() and "Weighted pipeline" in body
    assert "Target" in body and "Mar 2030" in body
    assert "script-src" not in response.headers["Content-Security-Policy"]
    empty = logged_in_client.get("/sales/forecast/chart.svg?from=2040-01&to=2040-02&currency=XXX")
    assert empty.status_code == 200 and "<script" not in empty.get_data(as_text=True)


def test_bad_filters_fall_back_to_defaults(logged_in_client, sales):
    for query in ("from=banana&to=2030-13", "from=2030-05&to=2030-01", "from=2000-01&to=2100-12", "pipeline=abc&owner=-1"):
        assert logged_in_client.get(f"/sales/forecast?{query}").status_code == 200, query
        assert logged_in_client.get(f"/sales/forecast/chart.svg?{query}").status_code == 200, query


def test_targets_grid_saves_and_validates(logged_in_client, user, company, db):
    from crm_sales.models import SalesTarget

    cell = f"t-{user.id}-2030-02"
    saved = logged_in_client.post_form("/sales/forecast/targets?year=2030", {cell: "25,000", f"t-{user.id}-2030-03": "100.5"},
                                       token_from="/sales/forecast/targets?year=2030")
    assert saved.status_code == 303
    with tenancy.company_scope(company.id):
        rows = {(t.month, Decimal(t.amount)) for t in db.session.scalars(select(SalesTarget))}
    assert rows == {(date(2030, 2, 1), Decimal("25000.00")), (date(2030, 3, 1), Decimal("100.50"))}
    page = logged_in_client.get("/sales/forecast/targets?year=2030").get_data(as_text=True)
    assert 'value="25000"' in page and 'value="100.5"' in page
    for bad in ("-5", "lots", "1e30", "NaN"):
        response = logged_in_client.post_form("/sales/forecast/targets?year=2030", {cell: bad}, token_from="/sales/forecast/targets?year=2030")
        assert response.status_code == 422, bad
        html = response.get_data(as_text=True)
        assert 'aria-invalid="true"' in html and "could not be accepted" in html
    with tenancy.company_scope(company.id):
        assert db.session.scalars(select(SalesTarget.amount).where(SalesTarget.month == date(2030, 2, 1))).one() == Decimal("25000.00")
    cleared = logged_in_client.post_form("/sales/forecast/targets?year=2030", {cell: ""}, token_from="/sales/forecast/targets?year=2030")
    assert cleared.status_code == 303
    with tenancy.company_scope(company.id):
        assert db.session.scalars(select(SalesTarget.month)).all() == []


def test_members_see_targets_but_cannot_set_them(client_as, user, company):
    member = client_as("member")
    page = member.get("/sales/forecast/targets?year=2030")
    assert page.status_code == 200 and "Save targets" not in page.get_data(as_text=True)
    response = member.post_form("/sales/forecast/targets?year=2030", {f"t-{user.id}-2030-01": "5"}, token_from="/sales/")
    assert response.status_code == 403
    assert client_as("readonly").get("/sales/forecast").status_code == 200
    assert 'href="/sales/forecast"' in member.get("/").get_data(as_text=True)
