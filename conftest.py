"""Persona fixtures shared by every test: who is acting, and what they can reach."""

from importlib import import_module

import pytest
from django.apps import apps

from tests import factories

# LINKWORK_TEST_CLOCK_OFFSET_DAYS / LINKWORK_TEST_NOW run the suite on another date.
pytest_plugins = ["tests.clock_plugin"]

# Data migrations that load reference data (codes, needs, discharge reasons).
REFERENCE_DATA_MIGRATIONS = [
    ("core.migrations.0002_snomed_concepts", "load"),
    ("referrals.migrations.0002_needs_and_discharge_reasons", "load"),
    ("directory.migrations.0003_needs_taxonomy_and_synonyms", "load"),
    ("geography.migrations.0001_initial", "load_districts"),
    ("core.migrations.0004_load_bank_holidays", "load"),
    ("notifications.migrations.0002_message_templates", "load"),
    ("notifications.migrations.0004_password_templates", "load"),
    ("notifications.migrations.0005_second_factor_reset_template", "load"),
    ("notifications.migrations.0006_staff_invitation_template", "load"),
    ("notifications.migrations.0007_unused_accounts_template", "load"),
    ("outcomes.migrations.0002_default_schedule_and_templates", "load"),
    ("api.fhir.migrations.0002_reason_mappings", "load"),
]


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Transactional tests empty every table afterwards, reference data included; put it
    back so the next test starts from what migrations leave."""
    marker = request.node.get_closest_marker("django_db")
    if marker and (marker.kwargs.get("transaction") or "live_server" in request.fixturenames):
        request.getfixturevalue("transactional_db")
        for module, function in REFERENCE_DATA_MIGRATIONS:
            getattr(import_module(module), function)(apps, None)


@pytest.fixture(scope="session", autouse=True)
def _static_files_from_the_source_folders():
    """Pages link to plain static names served from the source folders, whatever a developer
    has collected into STATIC_ROOT (`make serve` does): the test server serves /static/
    through the finders, which know no hashed names. tests/test_entrypoint.py proves the
    hashed, compressed names in a real production process."""
    from django.conf import settings
    from django.test import override_settings

    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    with override_settings(
        STORAGES={**settings.STORAGES, "staticfiles": plain}, WHITENOISE_USE_FINDERS=True
    ):
        yield


@pytest.fixture(autouse=True)
def _force_login_passes_second_factor(monkeypatch):
    """`client.force_login(user)` leaves a session that has passed the second factor too;
    `force_login(user, second_factor=False)` one that has passed only the password."""
    from django.test.client import ClientMixin

    from tests.second_factor import force_login

    monkeypatch.setattr(ClientMixin, "force_login", force_login)


@pytest.fixture(autouse=True)
def _process_caches_start_empty():
    """What each process keeps for a minute or so (the synonyms, the reason map, the areas'
    routing) starts empty in every test: otherwise one loaded by an earlier test can fall
    due in the middle of this one, between two requests whose queries it compares."""
    from api.fhir import reasons
    from directory import search
    from referrals import routing

    search.forget_synonyms()
    reasons.forget()
    routing.forget()


@pytest.fixture(autouse=True)
def _task_worker_log_levels():
    """`manage.py worker --verbosity 0` in a test sets django-tasks' loggers to CRITICAL for
    the rest of the process (db_worker's configure_logging): put them back, so that a later
    test that reads a task's log lines sees them."""
    import logging

    loggers = [logging.getLogger(name) for name in ("django_tasks", "django_tasks_db")]
    levels = [(log, log.level, list(log.handlers)) for log in loggers]
    yield
    for log, level, handlers in levels:
        log.setLevel(level)
        log.handlers[:] = handlers


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Real hashing is deliberately slow; tests sign in hundreds of times.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def area(db):
    return factories.area()


@pytest.fixture
def service(area):
    return factories.service(area=area)


@pytest.fixture
def practice(area):
    return factories.practice(area=area)


@pytest.fixture
def referrer(practice):
    return factories.user(organisation=practice, role="referrer", full_name="Dr Gita Rao")


@pytest.fixture
def other_practice_referrer(area):
    return factories.user(
        organisation=factories.practice(area=area), role="referrer", full_name="Dr Owen Price"
    )


@pytest.fixture
def team_lead(service):
    return factories.user(organisation=service, role="team_lead", full_name="Tess Lead")


@pytest.fixture
def link_worker(service):
    return factories.user(organisation=service, role="link_worker", full_name="Lin Worker")


@pytest.fixture
def other_link_worker(service):
    return factories.user(organisation=service, role="link_worker", full_name="Otto Worker")


@pytest.fixture
def other_area_link_worker(db):
    other_service = factories.service(area=factories.area())
    return factories.user(organisation=other_service, role="link_worker", full_name="Ada Elsewhere")


@pytest.fixture
def commissioner(area):
    return factories.user(
        organisation=factories.commissioner_org(area=area),
        role="commissioner",
        full_name="Cara Commissioner",
    )


@pytest.fixture
def referral(referrer, service):
    return factories.referral(by=referrer, service=service)


@pytest.fixture
def allocated_referral(referral, team_lead, link_worker):
    return factories.allocate(referral, by=team_lead, worker=link_worker)


@pytest.fixture
def active_referral(allocated_referral, link_worker):
    factories.contact(allocated_referral, by=link_worker)
    allocated_referral.refresh_from_db()
    return allocated_referral


@pytest.fixture
def provider(area):
    return factories.user(
        organisation=factories.provider_org(area), role="provider", full_name="Pat Provider"
    )


@pytest.fixture
def other_provider(area):
    return factories.user(
        organisation=factories.provider_org(area), role="provider", full_name="Olu Otherprovider"
    )


@pytest.fixture
def directory_editor(service):
    return factories.user(organisation=service, role="directory_editor", full_name="Eddie Editor")


@pytest.fixture
def provider_listing(area, provider):
    return factories.activity(area=area, name="Provider cafe", owner=provider.organisation)


@pytest.fixture
def notify(settings, db):
    """A fake GOV.UK Notify on a free port, which the real client library talks to."""
    from notifications.fakes import DEMO_API_KEY, FakeNotify, templates_from_database

    fake = FakeNotify(templates=templates_from_database(), api_key=DEMO_API_KEY).start()
    settings.NOTIFY_API_KEY = DEMO_API_KEY
    settings.NOTIFY_BASE_URL = fake.base_url
    yield fake
    fake.stop()


@pytest.fixture
def run_tasks():
    """Run the background tasks that are due now, as the worker would."""
    from tests.tasks import run_due_tasks

    return run_due_tasks
