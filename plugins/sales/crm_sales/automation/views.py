"""Automation settings: the rule list, the rule form (owners and admins), each rule's page and run log.

Members and read-only users see the rules and their logs; only ``sales.configure`` changes them.
"""

from __future__ import annotations

from flask import Response, flash, request, url_for
from flask_login import login_required
from sqlalchemy import func, select

from crm_platform.plugins import company_members, db, has_permission, htmx_redirect, require_permission
from crm_sales.automation.forms import RuleForm
from crm_sales.automation.models import AutomationRule, AutomationRun
from crm_sales.blueprint import bp, page
from crm_sales.views_tasks import local
from crm_sales.tasks import company_zone

RUN_LOG_SIZE = 50


def get_rule(rule_id: int) -> AutomationRule:
    """The rule ``rule_id`` of the current company, else 404."""
    return db.first_or_404(select(AutomationRule).where(AutomationRule.id == rule_id))


def _last_runs(rule_ids: list[int]) -> dict[int, AutomationRun]:
    if not rule_ids:
        return {}
    latest = select(func.max(AutomationRun.id)).where(AutomationRun.rule_id.in_(rule_ids)).group_by(AutomationRun.rule_id)
    rows = db.session.scalars(select(AutomationRun).where(AutomationRun.id.in_(latest))).unique()
    return {run.rule_id: run for run in rows}


@bp.get("/automation")
@login_required
@require_permission("sales.view")
def automation_rules() -> tuple[str, int]:
    """Every rule of the company with its last run."""
    rules = list(db.session.scalars(select(AutomationRule).order_by(AutomationRule.name, AutomationRule.id)).unique())
    return page(
        "sales/automation/rules.html", rules=rules, last_runs=_last_runs([r.id for r in rules]),
        manage=has_permission("sales.configure"), local=local, tz=company_zone(),
    )


@bp.route("/automation/new", methods=["GET", "POST"])
@login_required
@require_permission("sales.configure")
def new_automation_rule() -> Response | tuple[str, int]:
    """Create a rule; 422 with the errors when the form does not validate."""
    form = RuleForm()
    if form.validate_on_submit():
        rule = AutomationRule(config={})
        form.apply_to(rule)
        db.session.add(rule)
        db.session.commit()
        flash(f"The rule {rule.name} was saved.", "success")
        return htmx_redirect(url_for("sales.automation_rule", sales_automation_rule_id=rule.id))
    return page("sales/automation/rule_form.html", form=form, rule=None, status=422 if form.is_submitted() else 200)


@bp.get("/automation/<int:sales_automation_rule_id>")
@login_required
@require_permission("sales.view")
def automation_rule(sales_automation_rule_id: int) -> tuple[str, int]:
    """A rule: what it does, and its run log (newest first)."""
    rule = get_rule(sales_automation_rule_id)
    runs = list(db.session.scalars(
        select(AutomationRun).where(AutomationRun.rule_id == rule.id).order_by(AutomationRun.id.desc()).limit(RUN_LOG_SIZE)
    ).unique())
    return page(
        "sales/automation/rule.html", rule=rule, runs=runs, manage=has_permission("sales.configure"),
        local=local, tz=company_zone(), names={u.id: u.display_name for u in company_members()},
    )


@bp.route("/automation/<int:sales_automation_rule_id>/edit", methods=["GET", "POST"])
@login_required
@require_permission("sales.configure")
def edit_automation_rule(sales_automation_rule_id: int) -> Response | tuple[str, int]:
    """Change a rule; 422 with the errors when the form does not validate."""
    rule = get_rule(sales_automation_rule_id)
    if request.method != "POST":
        return page("sales/automation/rule_form.html", form=RuleForm(formdata=None, rule=rule), rule=rule)
    form = RuleForm(rule=rule)
    if not form.validate_on_submit():
        return page("sales/automation/rule_form.html", form=form, rule=rule, status=422)
    form.apply_to(rule)
    db.session.commit()
    flash(f"The rule {rule.name} was saved.", "success")
    return htmx_redirect(url_for("sales.automation_rule", sales_automation_rule_id=rule.id))


@bp.post("/automation/<int:sales_automation_rule_id>/toggle")
@login_required
@require_permission("sales.configure")
def toggle_automation_rule(sales_automation_rule_id: int) -> Response:
    """Switch a rule on or off."""
    rule = get_rule(sales_automation_rule_id)
    rule.enabled = not rule.enabled
    db.session.commit()
    flash(f"{rule.name} is {'on' if rule.enabled else 'off'}.", "success")
    return htmx_redirect(url_for("sales.automation_rule", sales_automation_rule_id=rule.id))


@bp.post("/automation/<int:sales_automation_rule_id>/delete")
@login_required
@require_permission("sales.configure")
def delete_automation_rule(sales_automation_rule_id: int) -> Response:
    """Delete a rule with its run log."""
    rule = get_rule(sales_automation_rule_id)
    name = rule.name
    db.session.delete(rule)
    db.session.commit()
    flash(f"The rule {name} was deleted.", "success")
    return htmx_redirect(url_for("sales.automation_rules"))
