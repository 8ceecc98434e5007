"""The forecast page, its chart (an SVG image) and the targets grid."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from flask import Response, flash, request, url_for
from flask_login import login_required

from crm_platform.plugins import db, has_permission, htmx_redirect, require_permission, is_digits
from crm_sales import services, targets
from crm_sales.blueprint import bp, page
from crm_sales.chart import CHART_CSP, forecast_svg
from crm_sales.forecast import ForecastFilters, attainment, build, currencies_in_use, month_label
from crm_sales.models import utcnow


def _forecast() -> tuple[ForecastFilters, object, str]:
    currency = services.default_currency()
    filters = ForecastFilters.parse(request.args, currency)
    return filters, build(filters, currency), currency


@bp.get("/forecast")
@login_required
@require_permission("sales.view")
def forecast() -> tuple[str, int]:
    """Weighted pipeline by month, owner and pipeline; won against target; the chart."""
    filters, figures, currency = _forecast()
    owners = services.member_choices()
    pipelines = services.pipelines()
    currencies = sorted({currency, filters.currency, *currencies_in_use()})
    today = utcnow().date()
    return page(
        "sales/forecast.html", block="results",
        filters=filters, forecast=figures, owners=owners, owner_names=dict(owners),
        pipelines=pipelines, pipeline_names={p.id: p.name for p in pipelines}, currencies=currencies,
        company_currency=currency, month_label=month_label, attainment=attainment,
        month_options=_month_options(today.year), can_set_targets=has_permission("sales.targets"), whole=whole,
    )


def whole(amount: Decimal) -> Decimal:
    """An amount rounded to whole currency units (the forecast shows no cents)."""
    return Decimal(amount).quantize(Decimal(1), ROUND_HALF_UP)


def _month_options(year: int) -> list[tuple[str, str]]:
    return [(f"{y:04d}-{m:02d}", month_label(f"{y:04d}-{m:02d}")) for y in range(year - 2, year + 3) for m in range(1, 13)]


@bp.get("/forecast/chart.svg")
@login_required
@require_permission("sales.view")
def forecast_chart() -> Response:
    """The forecast chart for the same filters, as ``image/svg+xml`` without scripts."""
    _filters, figures, _currency = _forecast()
    response = Response(forecast_svg(figures), mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = CHART_CSP
    response.headers["Cache-Control"] = "private, max-age=60"
    return response


def _year() -> int:
    raw = request.values.get("year", "")
    year = int(raw) if is_digits(raw, 4) else utcnow().year
    return year if 2000 <= year <= 2100 else utcnow().year


def _grid_page(year: int, values: dict | None = None, errors: dict | None = None, status: int = 200) -> tuple[str, int]:
    members = services.member_choices()
    current = targets.stored(year)
    raw = dict(request.form) if errors else {}
    return page(
        "sales/targets.html", status=status,
        year=year, members=members, months=targets.year_months(year), stored=current, raw=raw,
        errors=errors or {}, cell_name=targets.cell_name, currency=services.default_currency(),
        can_edit=has_permission("sales.targets"),
    )


@bp.get("/forecast/targets")
@login_required
@require_permission("sales.view")
def forecast_targets() -> tuple[str, int]:
    """Targets per user per month for a year; owners and admins can edit them."""
    return _grid_page(_year())


@bp.post("/forecast/targets")
@login_required
@require_permission("sales.targets")
def save_forecast_targets() -> Response | tuple[str, int]:
    """Save the whole grid; any bad cell answers 422 with the grid and its errors (nothing saved)."""
    year = _year()
    member_ids = [user_id for user_id, _ in services.member_choices()]
    values, errors = targets.parse_grid(request.form, year, member_ids)
    if errors:
        return _grid_page(year, errors=errors, status=422)
    changed = targets.save_grid(values)
    db.session.commit()
    flash(f"Targets saved ({changed} changed)." if changed else "Nothing changed.", "success")
    return htmx_redirect(url_for("sales.forecast_targets", year=year))
