"""The personal API tokens page (linked from the account page): create, list, revoke."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, g, redirect, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField
from wtforms.validators import DataRequired, Length

from crm_platform.api import tokens
from crm_platform.api.models import SCOPE_LABELS, ApiToken
from crm_platform.contacts.forms import choice
from crm_platform.extensions import db
from crm_platform.permissions import allow_readonly
from crm_platform.templating import render

bp = Blueprint("api_tokens", __name__, url_prefix="/account/api-tokens", template_folder="templates")


class TokenForm(FlaskForm):
    """Name and scope of a new token."""

    name = StringField("Name", filters=[lambda v: v.strip() if isinstance(v, str) else v],
                       validators=[DataRequired("Give the token a name."), Length(max=80)])
    scope = RadioField("Access", choices=[choice(value, label) for value, label in SCOPE_LABELS.items()], default="read",
                       validators=[DataRequired("Choose the access.")])


def _require_company() -> None:
    if g.get("company") is None:
        abort(404)


def _page(form: TokenForm, status: int = 200, new_token: ApiToken | None = None, new_secret: str | None = None) -> tuple[str, int]:
    return render(
        "api/tokens.html", status=status, form=form, tokens=tokens.tokens_of(current_user.id),
        new_token=new_token, new_secret=new_secret,
    )


@bp.get("/")
@login_required
def index() -> tuple[str, int]:
    """Your tokens in the current company and the form to create one."""
    _require_company()
    return _page(TokenForm(formdata=None))


@bp.post("/")
@allow_readonly
@login_required
def create() -> Response | tuple[str, int]:
    """Create a token and show its secret once (never stored, never redirected through)."""
    _require_company()
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(form, 422)
    row, secret = tokens.create_token(current_user.id, form.name.data, form.scope.data)
    db.session.commit()
    body, status = _page(TokenForm(formdata=None), 201, new_token=row, new_secret=secret)
    response = Response(body, status)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/<int:api_token_id>/revoke")
@allow_readonly
@login_required
def revoke(api_token_id: int) -> Response:
    """Revoke one of your tokens; it stops working at once."""
    _require_company()
    row = tokens.get_own_token(current_user.id, api_token_id)
    if row is None:
        abort(404)
    if tokens.revoke_token(row, actor_id=current_user.id):
        db.session.commit()
        flash(f"The token “{row.name}” was revoked.", "success")
    return redirect(url_for("api_tokens.index") + "#tokens", code=303)
