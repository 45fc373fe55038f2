"""collectstatic, as the image build runs it (config/staticfiles.py): every stylesheet and
script gets a gzip and a Brotli copy beside its hashed name, WhiteNoise serves the Brotli copy
to a browser that accepts it (and the plain file to one that does not), and every image the
collected stylesheet points at is a collected file."""

import gzip
import json
import posixpath
import re
from pathlib import Path

import brotli
import pytest
from django.conf import settings
from django.core.management import call_command
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from whitenoise.middleware import WhiteNoiseMiddleware

pytestmark = pytest.mark.skipif(
    not (Path(settings.BASE_DIR) / "static_build" / "css").exists(),
    reason="make install builds static_build/",
)
STYLESHEET = "css/nhsuk-linkwork.css"
SCRIPTS = ["nhsuk/nhsuk-frontend.min.js", "htmx/htmx.min.js"]
URL = re.compile(r"url\(\s*[\"']?([^\"')]+)")


def production(root: Path):
    """What production uses, rather than the plain storage the other tests read from."""
    storage = {"BACKEND": "config.staticfiles.StaticFilesStorage"}
    return override_settings(
        STATIC_ROOT=root,
        STORAGES={**settings.STORAGES, "staticfiles": storage},
        WHITENOISE_USE_FINDERS=False,
    )


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    root = tmp_path_factory.mktemp("static")
    with production(root):
        call_command("collectstatic", interactive=False, verbosity=0)
    return root


def manifest(root: Path) -> dict:
    return json.loads((root / "staticfiles.json").read_text())["paths"]


@pytest.mark.parametrize("name", [STYLESHEET, *SCRIPTS])
def test_each_stylesheet_and_script_is_collected_with_gzip_and_brotli_copies(collected, name):
    hashed = manifest(collected)[name]
    assert hashed != name  # a hashed name, so it can be cached for ever
    original = (collected / hashed).read_bytes()
    assert gzip.decompress((collected / f"{hashed}.gz").read_bytes()) == original
    compressed = (collected / f"{hashed}.br").read_bytes()
    assert brotli.decompress(compressed) == original
    assert len(compressed) < len(original)


def serve(root: Path, path: str, accept_encoding: str | None):
    headers = {"HTTP_ACCEPT_ENCODING": accept_encoding} if accept_encoding else {}
    request = RequestFactory().get(path, **headers)
    with production(root):
        middleware = WhiteNoiseMiddleware(lambda request: HttpResponse("not static", status=404))
        return middleware(request)


@pytest.mark.parametrize(
    "accept, encoding",
    [
        ("gzip, deflate, br", "br"),
        ("br", "br"),
        ("gzip", "gzip"),
        (None, None),  # a client that asks for nothing compressed gets the file as it is
    ],
)
def test_whitenoise_serves_the_copy_the_browser_accepts(collected, accept, encoding):
    hashed = manifest(collected)[STYLESHEET]
    response = serve(collected, settings.STATIC_URL + hashed, accept)
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    response.close()
    assert response.get("Content-Encoding") == encoding
    assert "Accept-Encoding" in response["Vary"]
    original = (collected / hashed).read_bytes()
    decode = {"br": brotli.decompress, "gzip": gzip.decompress, None: lambda b: b}[encoding]
    assert decode(body) == original


def test_every_url_in_the_collected_stylesheet_is_a_collected_file(collected):
    hashed = manifest(collected)[STYLESHEET]
    css = (collected / hashed).read_text()
    urls = {u for u in URL.findall(css) if not u.startswith(("data:", "#"))}
    assert urls, "the stylesheet refers to no files: the check would prove nothing"
    names = set(manifest(collected).values())
    for url in urls:
        assert not url.startswith("/") and "://" not in url, url
        name = posixpath.normpath(posixpath.join(posixpath.dirname(hashed), url))
        assert name in names, f"{url} is not a hashed name collectstatic wrote"
        assert (collected / name).is_file(), url
        response = serve(collected, settings.STATIC_URL + name, "br")
        assert response.status_code == 200, url
        response.close()
