"""Downloads: the filtered people list as CSV or XLSX, and one person as a vCard.

Exports are reading, so every role that may see people (read-only included) may
export them; each export is recorded in the audit log with its filters.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Response, request
from flask_login import login_required

from crm_platform.audit import service as audit
from crm_platform.contacts.services import get_person
from crm_platform.customfields.service import fields_for
from crm_platform.dataio import export_rows
from crm_platform.dataio.blueprint import bp
from crm_platform.dataio.downloads import attachment_headers, csv_response, xlsx_response
from crm_platform.dataio.export_query import people_statement
from crm_platform.dataio.vcard import vcard_filename, vcard_text
from crm_platform.extensions import db
from crm_platform.permissions import require_permission


def _prepare(kind: str) -> tuple:
    """The statement, custom fields, file name; the audit entry is committed before streaming."""
    stmt = people_statement(request.args)
    filters = {k: v for k, v in request.args.items(multi=True) if v and k != "cursor"}
    audit.record("people.exported", f"{kind.upper()} export; filters: {filters or 'none'}"[:500])
    db.session.commit()
    fields = fields_for("person")  # loaded after the commit: read while streaming, after the request
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    return stmt, fields, f"people-{stamp}.{kind}"


@bp.get("/people/export.csv")
@login_required
@require_permission("records.view")
def export_csv() -> Response:
    """The people of the list (same filters as on the page) as CSV, streamed."""
    stmt, fields, filename = _prepare("csv")
    return csv_response(filename, export_rows.header(fields), export_rows.rows(stmt, fields))


@bp.get("/people/export.xlsx")
@login_required
@require_permission("records.view")
def export_xlsx() -> Response:
    """The people of the list (same filters as on the page) as an Excel workbook."""
    stmt, fields, filename = _prepare("xlsx")
    return xlsx_response(filename, "People", export_rows.header(fields), export_rows.rows(stmt, fields))


@bp.get("/people/<int:person_id>.vcf")
@login_required
@require_permission("records.view")
def vcard(person_id: int) -> Response:
    """One person as a vCard 4.0 file."""
    person = get_person(person_id)
    return Response(vcard_text(person), mimetype="text/vcard",
                    headers=attachment_headers(vcard_filename(person)))
