"""The Jinja2 environment: NHS.UK frontend macros plus the few Django helpers templates need."""

from django.contrib.messages import get_messages
from django.templatetags.static import static
from django.urls import reverse
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, PackageLoader

from core import background, presenters
from onward import presenters as onward_presenters


def url(viewname, *args, **kwargs):
    return reverse(viewname, args=args or None, kwargs=kwargs or None)


def environment(**options):
    # NHS.UK macros rely on ChainableUndefined for their optional nested parameters.
    options["undefined"] = ChainableUndefined
    options["loader"] = ChoiceLoader([options.pop("loader"), PackageLoader("nhsuk_frontend_jinja")])
    options.setdefault("extensions", []).append("jinja2.ext.do")
    env = Environment(**options)
    env.globals.update(
        url=url,
        static=static,
        get_messages=get_messages,
        navigation=presenters.navigation,
        background_warning=background.staff_warning,
        status_tag=presenters.status_tag,
        due_label=presenters.due_label,
        onward_tag=onward_presenters.onward_tag,
        answer_due=onward_presenters.answer_due,
    )
    env.filters.update(presenters.FILTERS)
    return env
