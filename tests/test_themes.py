"""Themes and per-company branding: discovery, the template chain, branding CSS, logos, permissions."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from crm_platform import tenancy
from crm_platform.extensions import db as handle
from crm_platform.testing import empty_tables, make_user
from crm_platform.themes.colours import contrast
from crm_platform.themes.models import Branding

BUNDLED = ("compact", "dark", "default")


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def manifest(name: str, parent: str | None = None, contract: str = "1.0") -> str:
    lines = [f'name = "{name}"', 'version = "1.2.3"', f'description = "Theme {name}"', f'contract = "{contract}"']
    if parent:
        lines.append(f'parent = "{parent}"')
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def themes_dir(tmp_path_factory) -> Path:
    """Bundled-style themes for the tests: a chain (beta → alpha), and broken ones."""
    root = tmp_path_factory.mktemp("themes")
    write(root / "default/theme.toml", manifest("default"))
    write(root / "default/templates/README.md", "base")
    write(root / "alpha/theme.toml", manifest("alpha"))
    write(root / "alpha/templates/layout.html",
          '{% extends "default:layout.html" %}{% block footer %}<p>ALPHA-FOOTER</p>{% endblock %}')
    write(root / "alpha/static/theme.css", ":root { --accent: #0f766e; }\n")
    write(root / "alpha/static/secret.txt", "ok\n")
    write(root / "beta/theme.toml", manifest("beta", parent="alpha"))
    write(root / "beta/templates/layout.html",
          '{% extends "theme:alpha:layout.html" %}{% block brand %}<p>BETA-BRAND</p>{{ super() }}{% endblock %}')
    write(root / "beta/static/theme.css", ".x { color: red; }\n")
    write(root / "nomanifest/templates/layout.html", "x")
    write(root / "future/theme.toml", manifest("future", contract="2.0"))
    write(root / "future/static/theme.css", "")
    write(root / "orphan/theme.toml", manifest("orphan", parent="missing"))
    write(root / "orphan/static/theme.css", "")
    write(root / "badtoml/theme.toml", "name = [unclosed")
    write(root / "loop1/theme.toml", manifest("loop1", parent="loop2"))
    write(root / "loop1/static/theme.css", "")
    write(root / "loop2/theme.toml", manifest("loop2", parent="loop1"))
    write(root / "loop2/static/theme.css", "")
    return root


@pytest.fixture()
def tapp(make_app, themes_dir):
    """An app whose themes come from ``themes_dir``."""
    application = make_app(CRM_THEMES_PATH=themes_dir)
    with application.app_context():
        try:
            yield application
        finally:
            empty_tables(handle)


@pytest.fixture()
def two(tapp):
    from crm_platform.companies.service import create_company

    a, b = create_company("Alpha Co", slug="alphaco"), create_company("Beta Co", slug="betaco")
    ua, ub = make_user(a, "a@a.test", "admin"), make_user(b, "b@b.test", "admin")
    ca, cb = tapp.test_client(), tapp.test_client()
    ca.login(ua.email)
    cb.login(ub.email)
    return a, b, ca, cb


def save(client, **values):
    data = {"theme": "default", "accent": "", "display_name": "", "email_footer": ""}
    data.update(values)
    return client.post_form("/settings/branding", data, token_from="/", content_type="multipart/form-data")


def png_bytes(size=(40, 20), fmt="PNG", **kwargs) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (15, 118, 110)).save(out, fmt, **kwargs)
    return out.getvalue()


# --- Discovery ---------------------------------------------------------------------------------


def test_bundled_themes_are_usable(app):
    registry = app.extensions["crm_themes"]
    assert [t.name for t in registry.usable()][:1] == ["default"]
    assert set(BUNDLED) <= {t.name for t in registry.usable()}
    for name in BUNDLED:
        theme = registry.get(name)
        assert theme.version and theme.description and theme.origin == "bundled"


def test_broken_themes_are_reported_and_skipped(tapp):
    registry = tapp.extensions["crm_themes"]
    problems = {t.name: " ".join(t.problems) for t in registry.all() if t.problems}
    assert "no theme.toml" in problems["nomanifest"]
    assert "contract 2.0" in problems["future"]
    assert "'missing' is not installed" in problems["orphan"]
    assert "not valid TOML" in problems["badtoml"]
    assert "cycle" in problems["loop1"] or "cycle" in problems["loop2"]
    assert {"alpha", "beta", "default"} == {t.name for t in registry.usable()}
    assert registry.get("future") is None and registry.chain("orphan") == []


def test_cli_lists_themes_with_problems(tapp):
    result = tapp.test_cli_runner().invoke(args=["themes", "list"])
    assert result.exit_code == 0, result.output
    assert "beta 1.2.3  parent: alpha  origin: bundled" in result.output
    assert "PROBLEM: it needs contract 2.0" in result.output


def test_operator_page_lists_refused_themes(tapp):
    from crm_platform.companies.service import create_company

    company = create_company("Ops", slug="ops")
    operator = make_user(company, "op@ops.test", "admin", is_operator=True)
    member = make_user(company, "m@ops.test", "member")
    client = tapp.test_client()
    client.login(operator.email)
    html = client.get("/operator/themes").get_data(as_text=True)
    assert "future" in html and "refused" in html and "it needs contract 2.0" in html
    other = tapp.test_client()
    other.login(member.email)
    assert other.get("/operator/themes").status_code == 404


# --- Template chain ----------------------------------------------------------------------------


def test_each_company_sees_its_own_theme_without_cache_poisoning(two):
    a, b, ca, cb = two
    assert save(ca, theme="beta").status_code == 303
    for _ in range(2):  # interleaved: the compiled-template cache must not leak across companies
        html_a = ca.get("/").get_data(as_text=True)
        html_b = cb.get("/").get_data(as_text=True)
        assert "BETA-BRAND" in html_a and "ALPHA-FOOTER" in html_a  # beta extends theme:alpha:layout.html
        assert "BETA-BRAND" not in html_b and "ALPHA-FOOTER" not in html_b
        assert 'data-theme="beta"' in html_a and 'data-theme="default"' in html_b
    # the chain's stylesheets, root first
    links = re.findall(r'href="(/themes/[^"]+)"', html_a)
    assert [link.split("?")[0] for link in links] == ["/themes/alpha/static/theme.css", "/themes/beta/static/theme.css"]
    assert not re.findall(r'href="(/themes/[^"]+)"', html_b)


def test_default_prefix_reaches_core_template(tapp):
    from flask import g

    env = tapp.jinja_env
    with tapp.test_request_context("/"):
        g.crm_theme = "alpha"
        assert env.get_template("layout.html") is not env.get_template("default:layout.html")
        assert "ALPHA-FOOTER" in env.loader.get_source(env, "layout.html")[0]
        assert "ALPHA-FOOTER" not in env.loader.get_source(env, "default:layout.html")[0]
        g.crm_theme = "default"
        assert "ALPHA-FOOTER" not in env.loader.get_source(env, "layout.html")[0]
        assert "BETA-BRAND" in env.loader.get_source(env, "theme:beta:layout.html")[0]
        assert "ALPHA-FOOTER" in env.loader.get_source(env, "theme:alpha:layout.html")[0]


def test_theme_static_files_are_served_safely(two):
    _, _, ca, _ = two
    response = ca.get("/themes/alpha/static/theme.css")
    assert response.status_code == 200 and response.mimetype == "text/css"
    assert ca.get("/themes/alpha/static/../theme.toml").status_code == 404
    assert ca.get("/themes/alpha/static/%2e%2e/theme.toml").status_code == 404
    assert ca.get("/themes/future/static/theme.css").status_code == 404  # refused theme
    assert ca.get("/themes/nope/static/theme.css").status_code == 404


# --- Branding: theme choice, colours, texts -----------------------------------------------------


def test_theme_must_be_installed(two):
    _, _, ca, _ = two
    response = save(ca, theme="future")
    assert response.status_code == 422
    assert "Choose one of the installed themes." in response.get_data(as_text=True)
    assert save(ca, theme="../../etc").status_code == 422
    with tenancy.unscoped():
        assert handle.session.scalar(select(Branding)) is None


def test_accent_colour_is_validated_and_served_as_css(two):
    a, b, ca, cb = two
    for bad in ("red", "#12345", "#0f766e; } body { display:none", "url(x)", "#ggg000"):
        response = save(ca, accent=bad)
        assert response.status_code == 422, bad
        assert "#rrggbb" in response.get_data(as_text=True)
    too_light = save(ca, accent="#fde68a")
    assert too_light.status_code == 422 and "too light" in too_light.get_data(as_text=True)
    assert save(ca, accent="#0F766E").status_code == 303
    html = ca.get("/").get_data(as_text=True)
    url = re.search(r'href="(/branding\.css\?[^"]+)"', html).group(1).replace("&amp;", "&")
    css = ca.get(url)
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert "--accent: #0f766e;" in css.get_data(as_text=True)
    assert "--accent-contrast: #ffffff;" in css.get_data(as_text=True)
    assert "immutable" in css.headers["Cache-Control"] and "private" in css.headers["Cache-Control"]
    assert cb.get(url).status_code == 404  # another company's URL
    assert "/branding.css" not in cb.get("/").get_data(as_text=True)
    with tenancy.unscoped():
        row = handle.session.scalar(select(Branding))
    assert row.accent == "#0f766e" and row.accent_text == "#ffffff"
    assert contrast(row.accent, row.accent_text) >= 4.5


def test_dark_theme_needs_a_light_accent(two):
    _, _, ca, _ = two
    assert save(ca, theme="default").status_code == 303
    from crm_platform.themes.colours import accent_palette

    palette = accent_palette("#2dd4bf", "#171a21")
    assert palette["--accent-contrast"] != "#ffffff"
    assert contrast(palette["--accent-on-soft"], palette["--accent-soft"]) >= 4.5


def test_display_name_and_footer_are_text_not_template(two):
    _, _, ca, _ = two
    response = save(ca, display_name="<script>alert(1)</script> {{ 7*7 }}", email_footer="{% raw %}<b>x</b>")
    assert response.status_code == 303
    html = ca.get("/").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; {{ 7*7 }}" in html
    assert "<script>alert(1)" not in html and "49" not in html.split("brand-name")[1][:80]
    page = ca.get("/settings/branding").get_data(as_text=True)
    assert "{% raw %}&lt;b&gt;x&lt;/b&gt;" in page


def test_email_footer_goes_into_invitation_mails(app, company, logged_in_client, smtp_server):
    assert save(logged_in_client, email_footer="Acme · 1 Main Street").status_code == 303
    response = logged_in_client.post_form("/settings/invitations", {"email": "newbie@example.com", "role": "member"}, token_from="/")
    assert response.status_code in (200, 303)
    assert "Acme · 1 Main Street" in smtp_server.body()


def test_live_preview_uses_unsaved_values(two):
    _, _, ca, _ = two
    response = ca.htmx("POST", "/settings/branding/preview",
                       {"theme": "alpha", "accent": "#0f766e", "display_name": "Preview <Name>"}, token_from="/settings/branding")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert "Preview &lt;Name&gt;" in html
    css_url = re.search(r'href="(/branding/preview\.css\?[^"]+)"', html).group(1).replace("&amp;", "&")
    assert "accent=%230f766e" in css_url and "theme=alpha" in css_url
    css = ca.get(css_url).get_data(as_text=True)
    assert ".brand-preview" in css and "--pv-accent: #0f766e;" in css
    bad = ca.get("/branding/preview.css?theme=alpha&accent=red;}x{").get_data(as_text=True)
    assert "red" not in bad and "}x{" not in bad
    warn = ca.htmx("POST", "/settings/branding/preview", {"theme": "alpha", "accent": "#ffff00"}, token_from="/settings/branding")
    assert "too light" in warn.get_data(as_text=True)
    with tenancy.unscoped():
        assert handle.session.scalar(select(Branding)) is None  # nothing saved


@pytest.mark.parametrize("role", ["readonly", "member"])
def test_only_company_admins_change_branding(tapp, role):
    from crm_platform.companies.service import create_company

    company = create_company("Acme", slug="acme")
    user = make_user(company, f"{role}@acme.test", role)
    client = tapp.test_client()
    client.login(user.email)
    assert client.get("/settings/branding").status_code == 403
    assert save(client, theme="alpha").status_code == 403
    assert client.htmx("POST", "/settings/branding/preview", {"theme": "alpha"}).status_code == 403
    with tenancy.unscoped():
        assert handle.session.scalar(select(Branding)) is None


# --- Logos -------------------------------------------------------------------------------------


def upload(client, data: bytes, filename: str, content_type: str = "application/octet-stream"):
    return save(client, logo=(io.BytesIO(data), filename, content_type))


@pytest.mark.parametrize(("fmt", "mime"), [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp")])
def test_logo_formats_are_accepted_and_served_to_the_company_only(two, fmt, mime):
    _, _, ca, cb = two
    assert upload(ca, png_bytes(fmt=fmt), f"logo.{fmt.lower()}", mime).status_code == 303
    html = ca.get("/").get_data(as_text=True)
    src = re.search(r'class="brand-logo" src="([^"]+)"', html).group(1)
    response = ca.get(src)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == mime
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert Image.open(io.BytesIO(response.data)).format == fmt
    assert cb.get(src).status_code == 404
    with tenancy.unscoped():
        row = handle.session.scalar(select(Branding))
    assert row.logo_content_type == mime and row.logo_size == len(response.data) and len(row.logo_sha256) == 64
    stored = Path(tapp_instance(ca)) / "branding" / row.logo_filename
    assert stored.is_file() and "static" not in str(stored)


def tapp_instance(client) -> str:
    return client.application.instance_path


def test_logo_is_resized_and_metadata_removed(two):
    _, _, ca, _ = two
    exif = Image.Exif()
    exif[0x010E] = "secret description"
    data = png_bytes(size=(1600, 800), fmt="JPEG", exif=exif.tobytes())
    assert b"secret description" in data
    assert upload(ca, data, "big.jpg", "image/jpeg").status_code == 303
    with tenancy.unscoped():
        row = handle.session.scalar(select(Branding))
    stored = (Path(tapp_instance(ca)) / "branding" / row.logo_filename).read_bytes()
    assert b"secret description" not in stored
    assert max(Image.open(io.BytesIO(stored)).size) == 1024


@pytest.mark.parametrize(("data", "name", "mime", "message"), [
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "logo.svg", "image/svg+xml", "SVG logos are not accepted"),
    (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>', "logo.png", "image/png", "SVG logos are not accepted"),
    (b"<html><script>alert(1)</script></html>", "logo.png", "image/png", "not a readable PNG, JPEG or WebP"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * (1024 * 1024 + 10), "huge.png", "image/png", "larger than 1 MB"),
    (png_bytes(fmt="GIF"), "logo.gif", "image/gif", "Upload a PNG, JPEG or WebP image"),
])
def test_bad_logos_are_refused(two, data, name, mime, message):
    _, _, ca, _ = two
    response = upload(ca, data, name, mime)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with tenancy.unscoped():
        assert handle.session.scalar(select(Branding)) is None


def test_logo_can_be_removed(two):
    _, _, ca, _ = two
    assert upload(ca, png_bytes(), "logo.png", "image/png").status_code == 303
    with tenancy.unscoped():
        name = handle.session.scalar(select(Branding.logo_filename))
    assert save(ca, remove_logo="1").status_code == 303
    assert ca.get(f"/branding/logo/{name}").status_code == 404
    assert not (Path(tapp_instance(ca)) / "branding" / name).exists()


def test_docs_tutorial_child_theme_works(make_app, tmp_path):
    """The child theme written in docs/themes.md loads, extends its parent and links both stylesheets."""
    import shutil

    from crm_platform.companies.service import create_company
    from crm_platform.config import PROJECT_ROOT

    doc = (PROJECT_ROOT / "docs" / "themes.md").read_text()
    tutorial = doc.split("## Tutorial: a child theme", 1)[1].split("\n## ", 1)[0]
    toml, jinja, css = (re.search(rf"```{kind}\n(.*?)```", tutorial, re.S).group(1) for kind in ("toml", "jinja", "css"))
    for name in ("default", "dark"):
        shutil.copytree(PROJECT_ROOT / "themes" / name, tmp_path / name)
    write(tmp_path / "ocean/theme.toml", toml)
    write(tmp_path / "ocean/templates/layout.html", jinja)
    write(tmp_path / "ocean/static/theme.css", css)
    application = make_app(CRM_THEMES_PATH=tmp_path)
    with application.app_context():
        try:
            assert application.extensions["crm_themes"].get("ocean") is not None
            company = create_company("Sea", slug="sea")
            client = application.test_client()
            client.login(make_user(company, "s@sea.test", "admin").email)
            assert save(client, theme="ocean", accent="#34d399").status_code == 303
            html = client.get("/").get_data(as_text=True)
            assert "Ocean theme" in html and 'data-theme="ocean"' in html
            assert html.index("/themes/dark/static/theme.css") < html.index("/themes/ocean/static/theme.css")
        finally:
            empty_tables(handle)


def test_preview_without_javascript_is_the_whole_page(two):
    _, _, ca, _ = two
    response = ca.post_form("/settings/branding/preview", {"theme": "alpha", "display_name": "No JS Co"}, token_from="/settings/branding")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" in html and "No JS Co" in html
    assert 'value="No JS Co"' in html  # the form keeps the unsaved values
