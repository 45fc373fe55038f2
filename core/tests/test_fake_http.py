"""The base every fake outside service is built on (core/fake_http.py): a threaded HTTP
server on 127.0.0.1 that a real client reaches, stopped cleanly."""

import pytest
import requests

from core.fake_http import FakeHTTPServer, read_body, send_json


class Echo(FakeHTTPServer):
    def _serve(self, request, method):
        body = read_body(request).decode()
        send_json(
            request, 201, {"method": method, "path": request.path, "body": body}, {"X-Echo": "1"}
        )


@pytest.fixture
def echo():
    server = Echo().start()
    yield server
    server.stop()


def test_a_fake_answers_on_a_free_local_port(echo):
    assert echo.base_url.startswith("http://127.0.0.1:")
    answer = requests.post(echo.base_url + "/hello?x=1", data="hi", timeout=5)
    assert answer.status_code == 201
    assert answer.headers["X-Echo"] == "1" and answer.headers["Content-Type"] == "application/json"
    assert answer.json() == {"method": "POST", "path": "/hello?x=1", "body": "hi"}
    assert requests.get(echo.base_url + "/", timeout=5).json()["body"] == ""


def test_two_fakes_run_side_by_side_and_stop(echo):
    other = Echo().start()
    assert other.base_url != echo.base_url
    other.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(other.base_url, timeout=5)
    assert requests.get(echo.base_url, timeout=5).status_code == 201


def test_the_base_itself_serves_nothing():
    with pytest.raises(NotImplementedError):
        FakeHTTPServer._serve(None, None, "GET")
