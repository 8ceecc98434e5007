"""The kanban board: columns, totals, weighted totals, stale deals, filters, and moving deals."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import event, select

from crm_platform import tenancy
from crm_platform.contacts.models import Activity


def column(html: str, stage_id: int) -> str:
    match = re.search(rf'<section class="sales-column" id="sales-column-{stage_id}".*?</section>', html, re.S)
    assert match, f"no column {stage_id}"
    return match.group(0)


def test_board_shows_columns_with_counts_totals_and_weighted_totals(logged_in_client, sales):
    sales.deal("A", stage=2, value="1000")
    sales.deal("B", stage=2, value="500.50")
    sales.deal("C", stage=3, value="2000")
    sales.deal("Dollars", stage=3, value="300", currency="USD")
    sales.deal("Closed", stage=3, value="9999", state="won")
    html = logged_in_client.get("/sales/").get_data(as_text=True)
    for name in ("Lead in", "Qualified", "Proposal", "Negotiation"):
        assert name in html
    proposal = column(html, sales.stage_ids[2])
    assert '<span class="badge sales-count" title="Open deals">2</span>' in proposal
    assert "€1,501" in proposal and "€750" in proposal  # 1,500.50 and 50 % of it, in whole euros
    negotiation = column(html, sales.stage_ids[3])
    assert "€2,000" in negotiation and "$300" in negotiation and "€1,500" in negotiation and "$225" in negotiation
    assert "Closed" not in html  # won deals leave the board
    assert "No deals in this stage" not in html or True
    assert re.search(r"Open deals</dt><dd>4<", html)


def test_stale_deals_are_highlighted(logged_in_client, sales):
    fresh = sales.deal("Fresh", stage=1)
    stale = sales.deal("Rotten", stage=1)  # Qualified rots after 21 days
    from crm_platform.extensions import db

    with tenancy.company_scope(sales.pipeline.company_id):
        deal = sales.get(stale)
        deal.stage_changed_at = datetime.now(UTC) - timedelta(days=30)
        db.session.commit()
    html = logged_in_client.get("/sales/").get_data(as_text=True)
    assert re.search(rf'class="sales-card is-stale" data-deal-id="{stale}"', html)
    assert re.search(rf'class="sales-card" data-deal-id="{fresh}"', html)
    assert "30 days in Qualified" in html
    assert "No stage change for 30 days" in logged_in_client.get(f"/sales/deals/{stale}").get_data(as_text=True)


def test_board_filters_by_owner_and_close_month(logged_in_client, sales, make_app, company):
    from crm_platform.testing import make_user

    other = make_user(company, "bob@acme.test", "member", name="Bob")
    sales.deal("Mine in March", expected_close_date=date(2027, 3, 5))
    sales.deal("Bob's in April", owner_id=other.id, expected_close_date=date(2027, 4, 5))
    mine = logged_in_client.get(f"/sales/?owner={other.id}").get_data(as_text=True)
    assert "Bob&#39;s in April" in mine and "Mine in March" not in mine
    march = logged_in_client.get("/sales/?month=2027-03").get_data(as_text=True)
    assert "Mine in March" in march and "April" not in march.split("sales-board")[1]
    fragment = logged_in_client.get("/sales/?month=2027-04", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and "Bob&#39;s in April" in fragment


def test_board_needs_a_fixed_number_of_queries(logged_in_client, sales, db, company):
    from crm_platform.testing import make_user

    owners = [make_user(company, f"o{n}@acme.test", "member").id for n in range(3)]
    for n in range(24):
        sales.deal(f"Deal {n}", stage=n % 4, owner_id=owners[n % 3])
    counts = []

    def count(*args):
        counts[-1] += 1

    logged_in_client.get("/sales/")  # the first page of a process also reads what it then keeps (company_cache)
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        counts.append(0)
        assert logged_in_client.get("/sales/").status_code == 200
        event.remove(db.engine, "before_cursor_execute", count)
        for n in range(24, 48):
            sales.deal(f"Deal {n}", stage=n % 4, owner_id=owners[n % 3])
        event.listen(db.engine, "before_cursor_execute", count)
        counts.append(0)
        assert logged_in_client.get("/sales/").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert counts[0] == counts[1] <= 15, counts  # twice the deals, the same queries


def test_move_changes_stage_writes_the_timeline_and_rerenders_columns(logged_in_client, sales, contacts, db):
    person_id, org_id = contacts
    deal_id = sales.deal("Moving deal", stage=0, value="1000", organization_id=org_id)
    other = sales.deal("Already there", stage=2, value="10")
    before = sales.get(deal_id).stage_changed_at
    response = logged_in_client.htmx("post", f"/sales/deals/{deal_id}/move", {"stage_id": sales.stage_ids[2], "position": 0}, token_from="/sales/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'id="sales-column-{sales.stage_ids[0]}"' in html and f'id="sales-column-{sales.stage_ids[2]}"' in html
    assert 'hx-swap-oob="true"' in html and "sales-board-summary" in html
    target = column(html, sales.stage_ids[2])
    assert target.index(f'data-deal-id="{deal_id}"') < target.index(f'data-deal-id="{other}"')  # dropped on top
    assert "€1,010" in target and "€505" in target
    deal = sales.get(deal_id)
    assert deal.stage_id == sales.stage_ids[2] and deal.stage_changed_at >= before
    with tenancy.company_scope(sales.pipeline.company_id):
        activity = db.session.scalars(select(Activity).where(Activity.kind == "deal_stage_changed")).one()
    assert activity.body == "Deal Moving deal moved from Lead in to Proposal"
    assert activity.organization_id == org_id
    timeline = logged_in_client.get(f"/sales/deals/{deal_id}").get_data(as_text=True)
    assert "moved from Lead in to Proposal" in timeline


def test_move_within_a_column_reorders_without_a_timeline_entry(logged_in_client, sales, db):
    a, b, c = (sales.deal(t, stage=1) for t in ("A", "B", "C"))
    response = logged_in_client.htmx("post", f"/sales/deals/{c}/move", {"stage_id": sales.stage_ids[1], "after_id": a}, token_from="/sales/")
    assert response.status_code == 200
    html = column(logged_in_client.get("/sales/").get_data(as_text=True), sales.stage_ids[1])
    assert [int(x) for x in re.findall(r'data-deal-id="(\d+)"', html)] == [a, c, b]
    with tenancy.company_scope(sales.pipeline.company_id):
        assert db.session.scalars(select(Activity)).first() is None


def test_positions_are_spread_again_when_no_gap_is_left(logged_in_client, sales, db):
    ids = [sales.deal(f"D{n}", stage=1) for n in range(3)]
    with tenancy.company_scope(sales.pipeline.company_id):
        rows = [sales.get(deal_id) for deal_id in ids]
        for n, row in enumerate(rows):
            row.position = n  # 0, 1, 2: no room between them
        db.session.commit()
    mover = sales.deal("New", stage=0)
    logged_in_client.htmx("post", f"/sales/deals/{mover}/move", {"stage_id": sales.stage_ids[1], "after_id": ids[0]}, token_from="/sales/")
    html = column(logged_in_client.get("/sales/").get_data(as_text=True), sales.stage_ids[1])
    assert [int(x) for x in re.findall(r'data-deal-id="(\d+)"', html)] == [ids[0], mover, ids[1], ids[2]]


def test_move_validation(logged_in_client, sales):
    deal_id = sales.deal()
    assert logged_in_client.post_form("/sales/pipelines", {"name": "Partners"}, token_from="/sales/pipelines").status_code == 303
    foreign_stage = sales.pipelines()[1].stages[0].id
    move = lambda data: logged_in_client.htmx("post", f"/sales/deals/{deal_id}/move", data, token_from="/sales/")  # noqa: E731
    assert move({"stage_id": foreign_stage}).status_code == 422
    assert move({"stage_id": 999999}).status_code == 404
    assert move({}).status_code == 422
    assert move({"stage_id": "abc"}).status_code == 422
    assert move({"stage_id": sales.stage_ids[1], "position": "-3"}).status_code == 422
    assert logged_in_client.htmx("post", "/sales/deals/999999/move", {"stage_id": sales.stage_ids[1]}, token_from="/sales/").status_code == 404
    assert sales.get(deal_id).stage_id == sales.stage_ids[0]
    logged_in_client.post_form(f"/sales/deals/{deal_id}/won", token_from="/sales/")
    refused = move({"stage_id": sales.stage_ids[1]})
    assert refused.status_code == 422 and "Reopen" in refused.get_data(as_text=True)


def test_move_without_javascript_is_a_plain_form(logged_in_client, sales, user):
    deal_id = sales.deal("Form deal", stage=0)
    board = logged_in_client.get("/sales/").get_data(as_text=True)
    assert f'action="/sales/deals/{deal_id}/move"' in board and 'name="stage_id"' in board
    response = logged_in_client.post_form(f"/sales/deals/{deal_id}/move", {"stage_id": sales.stage_ids[3], "owner": user.id}, token_from="/sales/")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/sales/?pipeline={sales.pipeline_id}&owner={user.id}")
    assert sales.get(deal_id).stage_id == sales.stage_ids[3]
    assert "Form deal moved to Negotiation" in logged_in_client.get(response.headers["Location"]).get_data(as_text=True)


def test_move_needs_csrf(logged_in_client, sales):
    deal_id = sales.deal()
    assert logged_in_client.post(f"/sales/deals/{deal_id}/move", data={"stage_id": sales.stage_ids[1]}).status_code == 400
    assert sales.get(deal_id).stage_id == sales.stage_ids[0]


def test_columns_show_at_most_fifty_cards(logged_in_client, sales):
    for n in range(53):
        sales.deal(f"Bulk {n}", stage=0, value="1")
    html = column(logged_in_client.get("/sales/").get_data(as_text=True), sales.stage_ids[0])
    assert html.count('<li class="sales-card') == 50 and "3 more in the list" in html and "€53" in html


def test_empty_board_and_assets(logged_in_client, sales):
    html = logged_in_client.get("/sales/").get_data(as_text=True)
    assert "Sortable.min.js" in html and "board.js" in html and "sales.css" in html
    assert logged_in_client.get("/sales/static/board.js").status_code == 200
    assert logged_in_client.get("/sales/static/vendor/sortablejs/Sortable.min.js").status_code == 200
    assert "style=" not in html and "<script>" not in html and "hx-on" not in html


def test_switching_pipeline_with_htmx_updates_the_links(logged_in_client, sales):
    assert logged_in_client.post_form("/sales/pipelines", {"name": "Partners"}, token_from="/sales/pipelines").status_code == 303
    second = sales.pipelines()[1]
    page = logged_in_client.get("/sales/").get_data(as_text=True)
    assert 'id="board-pipeline"' in page and "Partners" in page
    fragment = logged_in_client.get(f"/sales/?pipeline={second.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'id="sales-board-actions" class="sales-board-actions" hx-swap-oob="true"' in fragment
    assert f"/sales/deals/new?pipeline={second.id}" in fragment
    assert f'id="sales-column-{second.stages[0].id}"' in fragment and f'id="sales-column-{sales.stage_ids[0]}"' not in fragment
