"""The Jinja2 environment: NHS.UK frontend macros plus the few Django helpers templates need."""

import re
import threading
from collections import OrderedDict
from uuid import UUID

from django.conf import settings
from django.contrib.messages import get_messages
from django.forms.models import ModelChoiceIteratorValue
from django.templatetags.static import static
from django.urls import reverse
from jinja2 import (
    ChainableUndefined,
    ChoiceLoader,
    Environment,
    PackageLoader,
    Template,
    Undefined,
)
from jinja2.runtime import Macro
from markupsafe import Markup

from core import background, presenters
from onward import presenters as onward_presenters

# Rendered NHS.UK components kept per process (see `ComponentCache`): enough for every form
# field and tag of every page in a few variants; the least recently used go first.
COMPONENT_CACHE_SIZE = 4096
# …and at most this many characters of HTML (the find form's "More options" is ~15,000; a
# visitor choosing new combinations of options must not grow a process without bound).
COMPONENT_CACHE_CHARS = 4_000_000
COMPONENT_MACROS = re.compile(r"nhsuk/components/(?P<component>[a-z-]+)/macro\.jinja")
# The header carries the sign-out form's CSRF token: new on every request, never reused.
UNCACHED_COMPONENTS = frozenset({"header"})


def url(viewname, *args, **kwargs):
    return reverse(viewname, args=args or None, kwargs=kwargs or None)


def environment(**options):
    # NHS.UK macros rely on ChainableUndefined for their optional nested parameters.
    options["undefined"] = ChainableUndefined
    options["loader"] = ChoiceLoader([options.pop("loader"), PackageLoader("nhsuk_frontend_jinja")])
    options.setdefault("extensions", []).append("jinja2.ext.do")
    # Compiled once per process: checking every template file's mtime on each render is for
    # development only. (Django's backend passes the same default; said here so it holds
    # whoever builds the environment.) Every template and macro file fits in the cache.
    options.setdefault("auto_reload", settings.DEBUG)
    options.setdefault("cache_size", 1000)
    env = Environment(**options)
    env.template_class = ComponentTemplate
    env.component_cache = ComponentCache(COMPONENT_CACHE_SIZE)
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


class Uncacheable(Exception):
    """A parameter whose HTML cannot be told from its value alone (an object, a lazy string)."""


def _freeze(value):
    """A hashable key that is equal only for parameters the macros render identically: the
    type is part of it (True is not 1, escaped HTML is not the same text unescaped), and any
    type whose rendering could differ from another's with an equal value is refused."""
    kind = type(value)
    if kind is str:
        return value
    if value is None or kind in (bool, int, float):
        return (kind, value)
    if kind is dict:
        return (dict, tuple((k, _freeze(v)) for k, v in value.items()))
    if kind in (list, tuple):
        return (list, tuple(_freeze(v) for v in value))
    if hasattr(value, "__html__"):  # Markup, Django's SafeString: HTML already escaped
        return (Markup, str(value.__html__()))
    if isinstance(value, Undefined):
        return (Undefined,)
    if kind is ModelChoiceIteratorValue:  # a model choice's value: renders as its key
        return (kind, _freeze(value.value))
    if kind is UUID:
        return (kind, value)
    raise Uncacheable(kind.__name__)


class ComponentCache:
    """The HTML of NHS.UK component macros, kept per process for each distinct parameters.

    The NHS.UK macros are pure: their HTML depends on their parameters alone (their modules
    are imported without the page's context, none has side effects). Rendering one runs
    several nested macros per item and re-indents the HTML at each level: ~1 ms for a group
    of a dozen checkboxes, most of the find page. A page's components are mostly the same
    from one request to the next (the find form's option lists, a status tag, a button).
    The key is the whole of the parameters, so a changed label, a new option or another
    selection is another entry: nothing is ever stale. Parameters holding anything but plain
    data, and calls with `caller` ({% call %}), are rendered each time."""

    def __init__(self, size: int, chars: int = COMPONENT_CACHE_CHARS):
        self.size = size
        self.chars = chars  # a bound on memory too: a key holds about as much as its HTML
        self.held = 0
        self.entries: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def render(self, component: str, macro, params) -> Markup:
        try:
            key = (component, _freeze(params))
        except Uncacheable:
            return macro(params)
        with self.lock:
            html = self.entries.get(key)
            if html is not None:
                self.entries.move_to_end(key)
                return html
        html = macro(params)
        with self.lock:
            if key not in self.entries:
                self.entries[key] = html
                self.held += len(html)
            while self.entries and (len(self.entries) > self.size or self.held > self.chars):
                self.held -= len(self.entries.popitem(last=False)[1])
        return html

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.held = 0


class CachedMacro:
    """Stands in for an NHS.UK component's macro in the module templates import it from."""

    def __init__(self, cache: ComponentCache, component: str, macro: Macro):
        self.cache, self.component, self.macro = cache, component, macro
        self.__name__ = macro.name

    def __call__(self, *args, **kwargs):
        if len(args) != 1 or kwargs:
            return self.macro(*args, **kwargs)
        return self.cache.render(self.component, self.macro, args[0])


class ComponentTemplate(Template):
    """Templates as Jinja makes them, except that the module of an NHS.UK component's
    macro.jinja (what `{% from "nhsuk/components/…/macro.jinja" import … %}` reads) hands out
    its macros through the environment's `ComponentCache`."""

    def make_module(self, vars=None, shared=False, locals=None):
        module = super().make_module(vars, shared, locals)
        match = COMPONENT_MACROS.fullmatch(self.name or "")
        if match and match["component"] not in UNCACHED_COMPONENTS:
            cache = self.environment.component_cache
            for name, value in list(module.__dict__.items()):
                if isinstance(value, Macro):
                    setattr(module, name, CachedMacro(cache, match["component"], value))
        return module
