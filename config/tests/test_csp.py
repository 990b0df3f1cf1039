"""The Content-Security-Policy header, and API docs served from our own files only."""

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

pytestmark = pytest.mark.django_db

STRICT = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'"},
    "object-src": {"'none'"},
    "base-uri": {"'self'"},
    "form-action": {"'self'"},
    "frame-ancestors": {"'none'"},
}
DOCS_EXTRAS = {
    "worker-src": {"'self'", "blob:"},
    "style-src": {"'self'", "'unsafe-inline'"},
    "img-src": {"'self'", "data:"},
}
DOCS = ["/docs/", "/redoc/"]
HTML_PAGES = ["/api-auth/login/", "/api-auth/logout/", "/admin/login/"]
REDOC_REMOTE_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


def policy(response) -> dict[str, set[str]]:
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *sources = part.split()
        directives[name] = set(sources)
    return directives


@pytest.mark.parametrize("path", HTML_PAGES)
def test_html_pages_get_the_strict_policy(client, path):
    response = client.get(path)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert policy(response) | STRICT == policy(response)  # every strict directive
    assert "worker-src" not in policy(response)


def test_browsable_api_page_gets_the_strict_policy(make_user, cookie_client):
    client = cookie_client(make_user())

    response = client.get(reverse("sessions:me"), HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert {k: policy(response)[k] for k in STRICT} == STRICT


def test_browsable_api_page_has_no_inline_script_or_style(make_user, cookie_client):
    client = cookie_client(make_user())

    html = client.get(reverse("sessions:me"), HTTP_ACCEPT="text/html").content.decode()

    assert " onclick=" not in html and " style=" not in html
    assert "<style" not in html
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
    assert all(
        "src=" in attrs or 'type="application/json"' in attrs for attrs, _ in scripts
    )


def test_login_page_has_no_inline_style(client):
    html = client.get("/api-auth/login/").content.decode()

    assert " style=" not in html and "<style" not in html


@pytest.mark.parametrize("path", DOCS)
def test_docs_pages_add_only_what_swagger_ui_and_redoc_need(client, path):
    response = client.get(path)

    assert response.status_code == 200
    directives = policy(response)
    for name, sources in STRICT.items():
        assert directives[name] == DOCS_EXTRAS.get(name, sources)
    assert directives["worker-src"] == DOCS_EXTRAS["worker-src"]
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]


def test_json_answers_carry_the_strict_policy_too(make_user, token_client):
    response = token_client(make_user()).get(reverse("sessions:me"))

    assert response["Content-Type"] == "application/json"
    assert {k: policy(response)[k] for k in STRICT} == STRICT


@pytest.mark.parametrize("path", DOCS)
def test_docs_html_names_no_other_host(client, path):
    html = client.get(path).content.decode()

    urls = re.findall(r"""(?:https?:)?//[^\s"'<>()]+""", html)
    assert [
        url for url in urls if urlsplit(url).hostname not in (None, "testserver")
    ] == []
    assert "/static/drf-yasg/" in html


def test_redoc_page_points_the_remote_logo_at_our_copy(client):
    html = client.get("/redoc/").content.decode()

    shim = html.index("/static/config/redoc-local-logo.js")
    assert shim < html.index("/static/drf-yasg/redoc/redoc.min.js")
    assert 'data-logo="/static/drf-yasg/redoc/redoc-logo.png"' in html


def test_bundled_redoc_loads_only_the_logo_the_page_replaces():
    """If a drf-yasg upgrade changes ReDoc's remote image, config/static/config/
    redoc-local-logo.js must learn the new address (and e2e/test_csp.py would fail)."""
    bundle = Path(finders.find("drf-yasg/redoc/redoc.min.js")).read_text()
    shim = Path(finders.find("config/redoc-local-logo.js")).read_text()

    images = set(re.findall(r'src:"(https?://[^"]+)"', bundle))
    assert images == {REDOC_REMOTE_LOGO}
    assert REDOC_REMOTE_LOGO in shim
    assert "fonts.googleapis.com" not in bundle
