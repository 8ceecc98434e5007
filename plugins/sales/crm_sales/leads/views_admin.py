"""CSV import of leads, and the scoring rules (owners and admins)."""

from __future__ import annotations

from flask import Response, flash, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from crm_platform.plugins import current_company_id, db, htmx_redirect, require_permission
from crm_sales.blueprint import bp, page
from crm_sales.leads import scoring
from crm_sales.leads.forms import ImportForm, RuleForm
from crm_sales.leads.importer import COLUMNS, MAX_ROWS, ImportRefused, import_leads
from crm_sales.models_leads import LeadRule


@bp.route("/leads/import", methods=["GET", "POST"])
@login_required
@require_permission("sales.edit")
def import_leads_view() -> tuple[str, int]:
    """Upload a CSV of leads; the page reports what was added and each refused row with its reason."""
    form = ImportForm()
    if request.method == "GET" or not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return page("sales/leads/import.html", form=form, report=None, problem=None, columns=COLUMNS, max_rows=MAX_ROWS, status=status)
    upload = request.files.get("file")
    data = upload.read() if upload else b""
    try:
        report = import_leads(data, form.encoding.data, (form.source.data or "").strip(), owner_id=current_user.id)
    except ImportRefused as exc:
        db.session.rollback()
        return page("sales/leads/import.html", form=form, report=None, problem=str(exc), columns=COLUMNS, max_rows=MAX_ROWS, status=422)
    db.session.commit()
    status = 200 if report.added or not report.refused_count else 422
    return page("sales/leads/import.html", form=ImportForm(formdata=None), report=report, problem=None, columns=COLUMNS, max_rows=MAX_ROWS, status=status)


def _rules_page(form: RuleForm | None = None, status: int = 200) -> tuple[str, int]:
    return page(
        "sales/leads/rules.html", status=status, rules=scoring.rules(), form=form or RuleForm(formdata=None, points=10),
        describe=scoring.describe,
    )


@bp.get("/leads/scoring")
@login_required
@require_permission("sales.configure")
def lead_rules() -> tuple[str, int]:
    """The company's scoring rules and a form to add one."""
    return _rules_page()


@bp.post("/leads/scoring")
@login_required
@require_permission("sales.configure")
def add_lead_rule() -> Response | tuple[str, int]:
    """Add a rule; every lead is rescored in the background."""
    form = RuleForm()
    ok = form.validate_on_submit()
    problem = scoring.rule_problem(form.field.data, form.operator.data, (form.value.data or "").strip()) if ok else None
    if problem:
        form.value.errors = [*form.value.errors, problem]
    if not ok or problem:
        return _rules_page(form, status=422)
    db.session.add(LeadRule(field=form.field.data, operator=form.operator.data, value=(form.value.data or "").strip(), points=form.points.data))
    db.session.commit()
    scoring.request_rescore(current_company_id())
    flash("Rule added. Scores are being recomputed.", "success")
    return htmx_redirect(url_for("sales.lead_rules"))


@bp.post("/leads/scoring/<int:sales_lead_rule_id>/delete")
@login_required
@require_permission("sales.configure")
def delete_lead_rule(sales_lead_rule_id: int) -> Response:
    """Delete a rule; every lead is rescored in the background."""
    rule = db.first_or_404(select(LeadRule).where(LeadRule.id == sales_lead_rule_id))
    db.session.delete(rule)
    db.session.commit()
    scoring.request_rescore(current_company_id())
    flash("Rule deleted. Scores are being recomputed.", "success")
    return htmx_redirect(url_for("sales.lead_rules"))
