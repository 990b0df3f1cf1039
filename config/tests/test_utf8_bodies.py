"""Bodies are UTF-8: any other charset or a Content-Encoding is 415, never decoded."""

import bz2
import codecs
import json
from collections.abc import Callable, Iterator
from urllib.parse import urlencode

import pytest
from django.test.client import encode_multipart
from django.urls import reverse

from accounts.models import User
from config.parsers import UTF8_ONLY_DETAIL, utf8_bodies_only
from sessions_app.models import SecurityEvent, UserSession

pytestmark = pytest.mark.django_db

SIGNUP = {
    "username": "meera",
    "mobile": "9012345678",
    "password": "a-long-passphrase-77",
    "real_name": "Meera Nair",
    "tz": "Asia/Kolkata",
    "email": "meera@example.com",
}
BOUNDARY = "utf8-bodies-boundary"
MEDIA_TYPES = {
    "json": "application/json",
    "form": "application/x-www-form-urlencoded",
    "multipart": f"multipart/form-data; boundary={BOUNDARY}",
}
NOT_UTF8 = [
    "bz2",
    "rot13",
    "zlib",
    "latin-1",
    "utf-16",
    "klingon",
    "utf-8; charset=bz2",  # a second charset
    "utf-8''utf-8",  # an RFC 2231 value is not looked at, let alone decoded
]
COMPRESSED = ["gzip", "br", "deflate", "bz2", "x-unknown", "identity, gzip"]


def encode(data: dict, kind: str) -> bytes:
    if kind == "json":
        return json.dumps(data).encode()
    if kind == "form":
        return urlencode(data).encode()
    return encode_multipart(BOUNDARY, data)


def with_charset(kind: str, charset: str | None) -> str:
    if charset is None:
        return MEDIA_TYPES[kind]
    if charset.endswith("''utf-8"):
        return f"{MEDIA_TYPES[kind]}; charset*={charset}"
    return f"{MEDIA_TYPES[kind]}; charset={charset}"


def post_body(client, url: str, body: bytes, content_type: str, **headers: str):
    return client.generic("POST", url, body, content_type=content_type, **headers)


def database_state() -> tuple[int, int, int]:
    return (
        User.objects.count(),
        UserSession.objects.count(),
        SecurityEvent.objects.count(),
    )


def assert_refused(response) -> None:
    assert response.status_code == 415, response.content[:300]
    body = response.json()
    assert body == {"detail": str(UTF8_ONLY_DETAIL), "code": "unsupported_media_type"}
    assert "UTF-8" in body["detail"]


@pytest.fixture
def no_decoding(monkeypatch) -> Iterator[list[str]]:
    """Fail on any decompression or codec-stream decoding; yield what was tried."""
    tried: list[str] = []

    def refuse(name: str) -> Callable[..., None]:
        def called(*args: object, **kwargs: object) -> None:
            tried.append(name)
            raise AssertionError(f"{name} was called while refusing a body")

        return called

    for module, name in [
        (bz2, "decompress"),
        (bz2, "BZ2Decompressor"),
        (codecs, "getreader"),
        (codecs, "getincrementaldecoder"),
        (codecs, "iterdecode"),
        (codecs, "decode"),
    ]:
        monkeypatch.setattr(module, name, refuse(f"{module.__name__}.{name}"))
    yield tried
    assert tried == []


@pytest.mark.parametrize("kind", sorted(MEDIA_TYPES))
@pytest.mark.parametrize("charset", NOT_UTF8)
def test_login_body_in_another_charset_is_415_and_starts_no_session(
    make_user, api_client, kind, charset
):
    user = make_user()
    body = encode({"username": user.username, "password": user.raw_password}, kind)
    before = database_state()

    response = post_body(
        api_client, reverse("sessions:login"), body, with_charset(kind, charset)
    )

    assert_refused(response)
    assert database_state() == before


@pytest.mark.parametrize("kind", sorted(MEDIA_TYPES))
@pytest.mark.parametrize("charset", NOT_UTF8)
def test_signup_body_in_another_charset_is_415_and_creates_no_user(
    api_client, kind, charset
):
    response = post_body(
        api_client,
        reverse("accounts:signup"),
        encode(SIGNUP, kind),
        with_charset(kind, charset),
    )

    assert_refused(response)
    assert database_state() == (0, 0, 0)


def test_latin1_body_declared_as_latin1_is_refused_not_honoured(api_client):
    body = json.dumps({**SIGNUP, "real_name": "Zoë"}, ensure_ascii=False)

    response = post_body(
        api_client,
        reverse("accounts:signup"),
        body.encode("latin-1"),
        "application/json; charset=latin-1",
    )

    assert_refused(response)
    assert not User.objects.exists()


@pytest.mark.parametrize("kind", sorted(MEDIA_TYPES))
@pytest.mark.parametrize("charset", [None, "utf-8", "UTF-8", '"utf-8"'])
def test_utf8_or_no_charset_logs_in_and_signs_up(make_user, api_client, kind, charset):
    user = make_user()
    content_type = with_charset(kind, charset)
    credentials = {"username": user.username, "password": user.raw_password}

    login = post_body(
        api_client, reverse("sessions:login"), encode(credentials, kind), content_type
    )
    signup = post_body(
        api_client,
        reverse("accounts:signup"),
        encode({**SIGNUP, "real_name": "Zoë Nair"}, kind),
        content_type,
    )

    assert login.status_code == 200, login.content[:300]
    assert UserSession.objects.filter(user=user, is_active=True).count() == 1
    assert signup.status_code == 201, signup.content[:300]
    assert User.objects.get(username="meera").real_name == "Zoë Nair"


@pytest.mark.parametrize("kind", sorted(MEDIA_TYPES))
@pytest.mark.parametrize("content_encoding", COMPRESSED)
def test_compressed_body_is_415_whatever_the_encoding(
    make_user, api_client, kind, content_encoding
):
    user = make_user()
    body = encode({"username": user.username, "password": user.raw_password}, kind)
    before = database_state()

    response = post_body(
        api_client,
        reverse("sessions:login"),
        body,  # plain: the label alone is refused, nothing is inflated
        MEDIA_TYPES[kind],
        HTTP_CONTENT_ENCODING=content_encoding,
    )

    assert_refused(response)
    assert database_state() == before


@pytest.mark.parametrize("kind", sorted(MEDIA_TYPES))
def test_identity_content_encoding_is_a_plain_body(make_user, api_client, kind):
    user = make_user()
    body = encode({"username": user.username, "password": user.raw_password}, kind)

    response = post_body(
        api_client,
        reverse("sessions:login"),
        body,
        MEDIA_TYPES[kind],
        HTTP_CONTENT_ENCODING="identity",
    )

    assert response.status_code == 200, response.content[:300]


def test_bz2_bomb_is_refused_without_being_decompressed(api_client, no_decoding):
    # 10 bz2 streams of 10 MB of "a" each: about 500 bytes that expand to 100 MB.
    bomb = bz2.BZ2Compressor(9)
    chunk = bomb.compress(b"a" * 10_000_000) + bomb.flush()
    body = chunk * 10
    assert len(body) < 1000

    for url in (reverse("sessions:login"), reverse("accounts:signup")):
        response = post_body(api_client, url, body, "application/json; charset=bz2")

        assert_refused(response)
    assert database_state() == (0, 0, 0)


def test_multipart_part_naming_its_own_charset_is_not_decoded_with_it(
    api_client, no_decoding
):
    body = (
        f"--{BOUNDARY}\r\n"
        "Content-Disposition: form-data; name=\"username\"; filename*=bz2''%41%42\r\n"
        "Content-Type: text/plain; charset=bz2\r\n\r\n"
        "meera\r\n"
        f"--{BOUNDARY}--\r\n"
    ).encode()

    response = post_body(
        api_client, reverse("accounts:signup"), body, MEDIA_TYPES["multipart"]
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert not User.objects.exists()


class SpyApplication:
    """A WSGI application that records whether a request reached it."""

    def __init__(self) -> None:
        self.called = False

    def __call__(self, environ: dict, start_response: Callable) -> list[bytes]:
        self.called = True
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"reached"]


def call_wsgi(application: Callable, **environ: str) -> tuple[str, dict, bytes]:
    answer: dict = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        answer.update(status=status, headers=dict(headers))

    body = b"".join(application({"REQUEST_METHOD": "POST", **environ}, start_response))
    return answer["status"], answer["headers"], body


@pytest.mark.parametrize(
    "environ",
    [
        {"CONTENT_TYPE": "application/json; charset=bz2", "QUERY_STRING": "a=1"},
        {"CONTENT_TYPE": "text/plain; charset=rot13"},
        {"CONTENT_TYPE": "application/json", "HTTP_CONTENT_ENCODING": "gzip"},
        {"CONTENT_TYPE": "application/json; name*=nope''%41"},
    ],
    ids=["bz2-with-query", "rot13", "gzip", "rfc2231-param"],
)
def test_wsgi_guard_answers_415_before_django_builds_the_request(environ, monkeypatch):
    # Django's request constructor looks the charset up and decodes the query string
    # with it (`?a=1` with charset=bz2 raises before any middleware); the guard
    # answers first and looks no codec up itself.
    looked_up: list[str] = []
    real_lookup = codecs.lookup
    monkeypatch.setattr(
        codecs, "lookup", lambda name: looked_up.append(name) or real_lookup(name)
    )
    django_app = SpyApplication()

    status, headers, body = call_wsgi(utf8_bodies_only(django_app), **environ)

    assert status.startswith("415 ")
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body) == {
        "detail": str(UTF8_ONLY_DETAIL),
        "code": "unsupported_media_type",
    }
    assert not django_app.called
    assert looked_up == []


@pytest.mark.parametrize(
    "environ",
    [
        {},
        {"CONTENT_TYPE": "application/json"},
        {"CONTENT_TYPE": "application/json; charset=UTF-8"},
        {"CONTENT_TYPE": "text/plain", "HTTP_CONTENT_ENCODING": "identity"},
    ],
)
def test_wsgi_guard_passes_utf8_requests_through(environ):
    django_app = SpyApplication()

    status, _, body = call_wsgi(utf8_bodies_only(django_app), **environ)

    assert status == "200 OK" and body == b"reached"
    assert django_app.called
