"""`manage.py import_directory` reports a refused import as an error an operator can read,
not a traceback, and imports nothing."""

import json

import pytest
from django.core.management import CommandError, call_command

from directory.models import Service
from tests import factories

from .test_taxonomy_import import feed, import_feed
from .test_taxonomy_mends import SINGING, other_areas_feed

pytestmark = pytest.mark.django_db


def test_a_refused_import_is_a_command_error(tmp_path):
    county, other = factories.area(), factories.area()
    import_feed(county, feed())
    path = tmp_path / "other.json"
    path.write_text(json.dumps(other_areas_feed({"id": SINGING})))
    with pytest.raises(CommandError, match="belongs to another area's taxonomy"):
        call_command("import_directory", str(path), "--area", other.code, verbosity=0)
    assert not Service.objects.filter(area=other).exists()
