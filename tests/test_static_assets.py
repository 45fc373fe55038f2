"""Every image or font the built stylesheet refers to is one of our static files (an icon
the design system draws inside a search box 404'd when the path was the design system's
default, /assets/)."""

import posixpath
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

CSS = Path(settings.BASE_DIR) / "static_build" / "css" / "nhsuk-linkwork.css"


@pytest.mark.skipif(not CSS.exists(), reason="make install builds static_build/")
def test_every_url_in_the_stylesheet_is_a_static_file():
    urls = set(re.findall(r"url\(\"?'?([^)\"']+)", CSS.read_text()))
    local = {u for u in urls if not u.startswith(("data:", "#"))}
    assert local, "the stylesheet refers to no files: the check would prove nothing"
    for url in local:
        # Relative to the stylesheet (css/), so that it holds under any STATIC_URL.
        assert not url.startswith("/") and "://" not in url, url
        name = posixpath.normpath(posixpath.join("css", url))
        assert finders.find(name), f"{url} is not a static file"
