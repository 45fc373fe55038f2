"""How production logs, read from the environment at start-up: JSON lines, scrubbed; the
demo's readable lines; a bad setting stops start-up with a message saying what to fix.

Settings are read once, so these start Python afresh (as test_deployment_settings does)."""

import json

from core.tests.test_deployment_settings import production, run

LOG_A_LINE = """
import django, logging
django.setup()
logging.getLogger("linkwork.check").warning("texted 07700 900461 about NN1 5BD")
"""


def test_production_logs_one_json_object_per_line_without_personal_data():
    result = run(["-c", LOG_A_LINE], production())
    assert result.returncode == 0, result.stderr
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert line["event"] == "texted [phone] about [postcode]"
    assert (line["level"], line["logger"]) == ("warning", "linkwork.check")
    assert "timestamp" in line


def test_the_console_format_is_for_people_reading_along():
    result = run(["-c", LOG_A_LINE], production(LINKWORK_LOG_FORMAT="console"))
    assert result.returncode == 0, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert "[warning" in last and "texted [phone] about [postcode]" in last
    assert not last.startswith("{")


def test_a_bad_log_format_or_a_short_metrics_token_stops_start_up():
    start = ["-c", "import django; django.setup()"]
    result = run(start, production(LINKWORK_LOG_FORMAT="xml"))
    assert result.returncode != 0 and "LINKWORK_LOG_FORMAT='xml'" in result.stderr
    result = run(start, production(LINKWORK_METRICS_TOKEN="short"))
    assert result.returncode != 0 and "LINKWORK_METRICS_TOKEN is too short" in result.stderr
