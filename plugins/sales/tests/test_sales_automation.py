"""Automation rules: the form and its validation, permissions, each trigger and each action, the run log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from crm_platform import tenancy
from crm_platform.contacts.models import Activity
from crm_platform.testing import make_user


def rule_form(**overrides):
    data = {
        "name": "Follow up proposals", "enabled": "y", "trigger": "won", "stage_id": "", "action": "create_task",
        "task_title": "Follow up on {deal}", "task_assignee": "owner", "task_due_days": "3",
        "notify_user": "owner", "notify_message": "", "field_name": "owner", "field_owner": "", "field_days": "30",
        "webhook_url": "",
    }
    data.update(overrides)
    return data


def create_rule(client, **overrides):
    response = client.post_form("/sales/automation/new", rule_form(**overrides), token_from="/sales/automation/new")
    assert response.status_code == 303, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def runs(db, company, rule_id=None):
    from crm_sales.automation.models import AutomationRun

    db.session.expire_all()
    with tenancy.company_scope(company.id):
        stmt = select(AutomationRun).order_by(AutomationRun.id)
        if rule_id is not None:
            stmt = stmt.where(AutomationRun.rule_id == rule_id)
        return [(r.trigger, r.outcome, r.message, r.deal_id) for r in db.session.scalars(stmt).unique()]


def deal_tasks(db, company, deal_id):
    from crm_sales.models import DealActivity

    db.session.expire_all()
    with tenancy.company_scope(company.id):
        stmt = select(Activity).join(DealActivity, DealActivity.activity_id == Activity.id).where(
            DealActivity.deal_id == deal_id, Activity.kind == "task")
        return list(db.session.scalars(stmt).unique())


def test_rule_form_rejects_bad_input_with_422(logged_in_client, sales, other_company, db):
    stranger = make_user(other_company, "eve@globex.test", "admin", name="Eve")
    from crm_sales import services

    with tenancy.company_scope(other_company.id):
        foreign_stage = services.pipelines()[0].stages[0].id
    cases = {
        "name": rule_form(name=""),
        "trigger": rule_form(trigger="deleted"),
        "stage needed": rule_form(trigger="stage_entered", stage_id=""),
        "foreign stage": rule_form(trigger="stage_entered", stage_id=str(foreign_stage)),
        "action": rule_form(action="drop_tables"),
        "title": rule_form(task_title="  "),
        "placeholder": rule_form(task_title="Hi {deal.__class__}"),
        "unknown placeholder": rule_form(task_title="Hi {password}"),
        "assignee": rule_form(task_assignee=str(stranger.id)),
        "days": rule_form(task_due_days="-1"),
        "many days": rule_form(task_due_days="9999"),
        "message": rule_form(action="notify", notify_message=""),
        "notify stranger": rule_form(action="notify", notify_message="Hey", notify_user=str(stranger.id)),
        "owner": rule_form(action="change_field", field_name="owner", field_owner=""),
        "foreign owner": rule_form(action="change_field", field_name="owner", field_owner=str(stranger.id)),
        "field": rule_form(action="change_field", field_name="value"),
        "url": rule_form(action="webhook", webhook_url=""),
        "scheme": rule_form(action="webhook", webhook_url="ftp://example.com/x"),
        "loopback": rule_form(action="webhook", webhook_url="http://127.0.0.1:8080/hook"),
        "metadata": rule_form(action="webhook", webhook_url="http://169.254.169.254/latest/meta-data"),
        "octal loopback": rule_form(action="webhook", webhook_url="http://0177.0.0.1/"),
        "private": rule_form(action="webhook", webhook_url="http://10.1.2.3/hook"),
    }
    for name, data in cases.items():
        response = logged_in_client.post_form("/sales/automation/new", data, token_from="/sales/automation/new")
        assert response.status_code == 422, name
        assert 'class="error"' in response.get_data(as_text=True), name
    assert "cannot be called" in logged_in_client.post_form(
        "/sales/automation/new", cases["loopback"], token_from="/sales/automation/new").get_data(as_text=True)
    assert "No rules yet" in logged_in_client.get("/sales/automation").get_data(as_text=True)


def test_members_read_rules_owners_and_admins_manage_them(client_as, logged_in_client, sales, company, db):
    rule_id = create_rule(logged_in_client)
    member = client_as("member")
    reader = client_as("readonly")
    for client in (member, reader):
        listing = client.get("/sales/automation").get_data(as_text=True)
        assert "Follow up proposals" in listing and "New rule" not in listing
        page = client.get(f"/sales/automation/{rule_id}").get_data(as_text=True)
        assert "Run log" in page and "Edit" not in page
        assert client.get("/sales/automation/new").status_code == 403
        assert client.post_form("/sales/automation/new", rule_form(), token_from="/sales/").status_code == 403
        assert client.post_form(f"/sales/automation/{rule_id}/toggle", {}, token_from="/sales/").status_code == 403
        assert client.post_form(f"/sales/automation/{rule_id}/delete", {}, token_from="/sales/").status_code == 403
        assert client.post_form(f"/sales/automation/{rule_id}/edit", rule_form(name="X"), token_from="/sales/").status_code == 403
    owner = client_as("owner")
    assert owner.post_form(f"/sales/automation/{rule_id}/edit", rule_form(name="Renamed"), token_from="/sales/").status_code == 303
    assert "Renamed" in owner.get("/sales/automation").get_data(as_text=True)
    assert 'href="/sales/automation"' in member.get("/").get_data(as_text=True)


def test_rules_of_another_company_are_404(logged_in_client, sales, other_company, db):
    from crm_sales.automation.models import AutomationRule

    with tenancy.company_scope(other_company.id):
        foreign = AutomationRule(name="Globex rule", trigger="won", action="notify", config={"message": "x", "user": "owner"})
        db.session.add(foreign)
        db.session.commit()
    for url in (f"/sales/automation/{foreign.id}", f"/sales/automation/{foreign.id}/edit"):
        assert logged_in_client.get(url).status_code == 404
    for url in (f"/sales/automation/{foreign.id}/toggle", f"/sales/automation/{foreign.id}/delete"):
        assert logged_in_client.post_form(url, {}, token_from="/sales/").status_code == 404
    assert "Globex rule" not in logged_in_client.get("/sales/automation").get_data(as_text=True)


def test_entering_a_stage_creates_a_task_for_the_owner(logged_in_client, sales, company, user, db):
    rule_id = create_rule(
        logged_in_client, trigger="stage_entered", stage_id=str(sales.stage_ids[2]), task_title="Send {deal} proposal ({value})",
        task_due_days="3",
    )
    deal_id = sales.deal("Initech", stage=0, value="1200")
    logged_in_client.htmx("post", f"/sales/deals/{deal_id}/move", {"stage_id": sales.stage_ids[1], "position": 0}, token_from="/sales/")
    assert deal_tasks(db, company, deal_id) == [] and runs(db, company) == []
    response = logged_in_client.htmx("post", f"/sales/deals/{deal_id}/move", {"stage_id": sales.stage_ids[2], "position": 0}, token_from="/sales/")
    assert response.status_code == 200
    [task] = deal_tasks(db, company, deal_id)
    assert task.body == "Send Initech proposal (€1,200)" and task.assignee_id == user.id
    due = task.scheduled_at.replace(tzinfo=UTC) if task.scheduled_at.tzinfo is None else task.scheduled_at
    assert timedelta(days=2, hours=23) < due - datetime.now(UTC) <= timedelta(days=3)
    [(trigger, outcome, message, logged_deal)] = runs(db, company, rule_id)
    assert (trigger, outcome, logged_deal) == ("stage_entered", "ok", deal_id) and "Send Initech proposal" in message
    page = logged_in_client.get(f"/sales/automation/{rule_id}").get_data(as_text=True)
    assert "Initech" in page and "badge-success" in page


def test_won_notifies_the_owner_and_a_disabled_rule_does_nothing(logged_in_client, sales, company, user, db):
    from crm_platform.plugins import Notification

    create_rule(logged_in_client, name="Cheer", trigger="won", action="notify", notify_message="{deal} was won by {owner}!")
    off = create_rule(logged_in_client, name="Off", trigger="won", action="notify", notify_message="never", enabled="")
    deal_id = sales.deal("Big one")
    assert logged_in_client.post_form(f"/sales/deals/{deal_id}/won", token_from="/sales/").status_code == 303
    with tenancy.company_scope(company.id):
        notes = list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)))
    assert [n.text for n in notes] == ["Big one was won by Ada Admin!"]
    assert notes[0].link == f"/sales/deals/{deal_id}"
    assert runs(db, company, off) == []


def test_lost_changes_the_owner_and_the_close_date(logged_in_client, sales, company, user, db):
    bob = make_user(company, "bob@acme.test", "member", name="Bob")
    hand_over = create_rule(logged_in_client, name="Hand over", trigger="lost", action="change_field", field_name="owner", field_owner=str(bob.id))
    assert "Owner becomes Bob" in logged_in_client.get(f"/sales/automation/{hand_over}").get_data(as_text=True)
    create_rule(logged_in_client, name="Retry later", trigger="lost", action="change_field", field_name="expected_close_date", field_days="90")
    deal_id = sales.deal("Lost cause")
    assert logged_in_client.post_form(f"/sales/deals/{deal_id}/lost", {"reason": "Budget"}, token_from="/sales/").status_code == 303
    deal = sales.get(deal_id)
    assert deal.owner_id == bob.id and deal.state == "lost"
    assert deal.expected_close_date == datetime.now(UTC).date() + timedelta(days=90)
    assert [r[1] for r in runs(db, company)] == ["ok", "ok"]
    rules = logged_in_client.get("/sales/automation").get_data(as_text=True)
    assert "Hand over" in rules and "Retry later" in rules


def test_actions_that_change_deals_never_retrigger_rules(logged_in_client, sales, company, db):
    from crm_sales.automation.models import AutomationEvent

    bob = make_user(company, "bob@acme.test", "member", name="Bob")
    rule_id = create_rule(logged_in_client, trigger="won", action="change_field", field_name="owner", field_owner=str(bob.id))
    deal_id = sales.deal("Loop")
    logged_in_client.post_form(f"/sales/deals/{deal_id}/won", token_from="/sales/")
    assert len(runs(db, company, rule_id)) == 1
    with tenancy.company_scope(company.id):
        pending = db.session.scalar(select(func.count()).select_from(AutomationEvent).where(AutomationEvent.processed_at.is_(None)))
    assert pending == 0


def test_a_failing_action_is_logged_and_the_users_change_is_kept(logged_in_client, sales, company, db):
    from crm_platform.companies.models import Membership

    bob = make_user(company, "bob@acme.test", "member", name="Bob")
    rule_id = create_rule(logged_in_client, trigger="won", action="notify", notify_message="Won {deal}", notify_user=str(bob.id))
    task_rule = create_rule(logged_in_client, name="Owner task", trigger="won", task_assignee="owner")
    with tenancy.company_scope(company.id):
        db.session.delete(db.session.scalars(select(Membership).where(Membership.user_id == bob.id)).one())
        db.session.commit()
    deal_id = sales.deal("Nobody's deal", owner_id=None)
    response = logged_in_client.post_form(f"/sales/deals/{deal_id}/won", token_from="/sales/")
    assert response.status_code == 303
    assert sales.get(deal_id).state == "won"
    [(_, outcome, message, _)] = runs(db, company, rule_id)
    assert outcome == "error" and "no longer a member" in message
    [(_, outcome, message, _)] = runs(db, company, task_rule)
    assert outcome == "error" and "no owner" in message
    page = logged_in_client.get(f"/sales/automation/{rule_id}").get_data(as_text=True)
    assert "badge-danger" in page and "no longer a member" in page


def test_stale_fires_once_per_episode(logged_in_client, sales, company, user, db):
    from crm_sales.automation.stale import scan_stale
    from crm_sales.models import Deal

    rule_id = create_rule(logged_in_client, name="Nudge", trigger="stale", task_title="{deal} is stale in {stage}")
    fresh = sales.deal("Fresh", stage=0)
    deal_id = sales.deal("Sleepy", stage=0)  # Lead in rots after 14 days
    with tenancy.company_scope(company.id):
        deal = db.session.scalars(select(Deal).where(Deal.id == deal_id)).one()
        deal.stage_changed_at = datetime.now(UTC) - timedelta(days=20)
        db.session.commit()
    assert scan_stale() == 1
    assert scan_stale() == 0
    assert scan_stale(datetime.now(UTC) + timedelta(hours=5)) == 0
    assert [t.body for t in deal_tasks(db, company, deal_id)] == ["Sleepy is stale in Lead in"]
    assert deal_tasks(db, company, fresh) == []
    assert [r[0] for r in runs(db, company, rule_id)] == ["stale"]
    # a move starts a new episode; when it rots again, the rule fires again
    logged_in_client.htmx("post", f"/sales/deals/{deal_id}/move", {"stage_id": sales.stage_ids[1], "position": 0}, token_from="/sales/")
    with tenancy.company_scope(company.id):
        deal = db.session.scalars(select(Deal).where(Deal.id == deal_id)).one()
        deal.stage_changed_at = datetime.now(UTC) - timedelta(days=30)
        db.session.commit()
    assert scan_stale() == 1
    assert len(runs(db, company, rule_id)) == 2


def test_stale_rule_limited_to_a_stage(logged_in_client, sales, company, db):
    from crm_sales.automation.stale import scan_stale
    from crm_sales.models import Deal

    rule_id = create_rule(logged_in_client, trigger="stale", stage_id=str(sales.stage_ids[1]))
    deal_id = sales.deal("Old lead", stage=0)
    with tenancy.company_scope(company.id):
        db.session.scalars(select(Deal).where(Deal.id == deal_id)).one().stage_changed_at = datetime.now(UTC) - timedelta(days=60)
        db.session.commit()
    scan_stale()
    assert runs(db, company, rule_id) == []


def test_events_wait_for_the_periodic_job_outside_requests(app, sales, company, user, db):
    from crm_sales.automation.engine import run_pending
    from crm_sales.automation.models import AutomationRule
    from crm_sales.services import mark_won

    with tenancy.company_scope(company.id):
        db.session.add(AutomationRule(name="Job", trigger="won", action="create_task", config={"title": "Invoice {deal}", "assignee": "owner", "due_days": 0}))
        db.session.commit()
    deal_id = sales.deal("Signed by the API")
    with tenancy.company_scope(company.id):
        mark_won(sales.get(deal_id))
        db.session.commit()
    assert deal_tasks(db, company, deal_id) == []  # not in the user's transaction
    assert run_pending() == 1
    assert [t.body for t in deal_tasks(db, company, deal_id)] == ["Invoice Signed by the API"]
    assert run_pending() == 0  # each event is claimed once
    assert len(deal_tasks(db, company, deal_id)) == 1


def test_webhook_posts_the_deal_as_json_from_the_queue(app, logged_in_client, sales, company, db, webhook_receiver):
    url, received, statuses = webhook_receiver
    app.config["OUTBOUND_ALLOW_PRIVATE"] = True  # the operator trusts loopback in this test only
    rule_id = create_rule(logged_in_client, name="Tell the ERP", trigger="won", action="webhook", webhook_url=f"{url}/crm-hook")
    deal_id = sales.deal("Hooked", value="2500")
    assert received == []  # saving the rule calls nothing
    assert logged_in_client.post_form(f"/sales/deals/{deal_id}/won", token_from="/sales/").status_code == 303
    [hit] = received
    assert hit["path"] == "/crm-hook" and hit["headers"]["Content-Type"] == "application/json"
    body = hit["json"]
    assert body["event"] == "won" and body["rule"] == {"id": rule_id, "name": "Tell the ERP"}
    assert body["deal"]["id"] == deal_id and body["deal"]["title"] == "Hooked" and body["deal"]["value"] == "2500.00"
    assert body["deal"]["state"] == "won" and body["deal"]["owner"] == "ada@acme.test"
    assert runs(db, company, rule_id)[0][1:3] == ("ok", "Webhook answered 200")
    statuses.append(500)
    second = sales.deal("Second")
    logged_in_client.post_form(f"/sales/deals/{second}/won", token_from="/sales/")
    assert sales.get(second).state == "won"
    assert runs(db, company, rule_id)[1][1:3] == ("error", "Webhook answered 500")


def test_webhook_to_a_private_address_is_refused_when_the_setting_is_off(app, logged_in_client, sales, company, db, webhook_receiver):
    from crm_sales.automation.models import AutomationRule

    url, received, _ = webhook_receiver
    assert app.config.get("OUTBOUND_ALLOW_PRIVATE") is False
    response = logged_in_client.post_form(
        "/sales/automation/new", rule_form(action="webhook", webhook_url=f"{url}/x"), token_from="/sales/automation/new")
    assert response.status_code == 422
    # a rule saved while the operator allowed it is refused at run time once the setting is off
    with tenancy.company_scope(company.id):
        rule = AutomationRule(name="Old hook", trigger="won", action="webhook", config={"url": f"{url}/x"})
        db.session.add(rule)
        db.session.commit()
        rule_id = rule.id
    deal_id = sales.deal("Refused")
    assert logged_in_client.post_form(f"/sales/deals/{deal_id}/won", token_from="/sales/").status_code == 303
    assert received == []
    [(_, outcome, message, _)] = runs(db, company, rule_id)
    assert outcome == "error" and message.startswith("Refused address")


def test_purge_deletes_rules_runs_events_feeds_and_reminders(logged_in_client, sales, company, user, db):
    from crm_platform.plugins import runtime
    from crm_sales.automation.models import AutomationEvent, AutomationRule, AutomationRun
    from crm_sales.models_tasks import CalendarFeed, TaskReminder
    from crm_sales.reminders import send_reminders

    create_rule(logged_in_client, trigger="won")
    deal_id = sales.deal("To purge")
    logged_in_client.post_form(f"/sales/deals/{deal_id}/won", token_from="/sales/")
    logged_in_client.post_form("/sales/calendar/feed", {}, token_from="/sales/calendar/feed")
    send_reminders(datetime.now(UTC) + timedelta(days=3, minutes=30))  # the rule's task is due in 3 days
    sales.deal("Pending event")
    models = (AutomationRule, AutomationRun, AutomationEvent, CalendarFeed, TaskReminder)
    with tenancy.company_scope(company.id):
        assert all(db.session.scalar(select(func.count()).select_from(m)) for m in models)
    runtime.set_enabled(company, "sales", False)
    runtime.purge(company, "sales")
    with tenancy.company_scope(company.id):
        assert [db.session.scalar(select(func.count()).select_from(m)) for m in models] == [0] * len(models)
