"""The Jinja2 environment: NHS.UK frontend macros plus the few Django helpers templates need."""

import logging
import os
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
from jinja2.bccache import FileSystemBytecodeCache
from jinja2.filters import do_indent
from jinja2.runtime import Macro
from markupsafe import Markup

from core import background, layout, presenters
from core.ids import url_by_id
from onward import presenters as onward_presenters

# Rendered NHS.UK components kept per process (see `ComponentCache`): enough for every form
# field and tag of every page in a few variants; the least recently used go first.
COMPONENT_CACHE_SIZE = 4096
# …and at most this many characters of HTML (the find form's "More options" is ~15,000; a
# visitor choosing new combinations of options must not grow a process without bound).
COMPONENT_CACHE_CHARS = 4_000_000
COMPONENT_MACROS = re.compile(r"nhsuk/components/(?P<component>[a-z-]+)/macro\.jinja")
# The cache outlives the request, so it holds only components whose HTML is a page's
# structure (a form's questions and option lists, buttons, tags, the footer), never one
# whose job is to show a record: summary lists, tables, inset text, warning callouts,
# details, cards, panels and banners carry a person's name, NHS number, phone or case
# notes, and are rendered every time, as is every component not listed here. Some that look
# like structure are left out too: casework pages label the back link with the person's
# name (and a breadcrumb trail ends at the record it leads to); pagination links carry the
# query string (a name or NHS number typed into Find a person); an error message may quote
# what was typed. The header carries the sign-out form's CSRF token, new on every request.
CACHED_COMPONENTS = frozenset(
    {
        "action-link",
        "button",
        "checkboxes",
        "fieldset",
        "footer",
        "hint",
        "label",
        "radios",
        "select",
        "skip-link",
        "tag",
        # Free-text fields, kept only while empty (`_keepable`).
        "character-count",
        "date-input",
        "input",
        "textarea",
    }
)
TYPED_COMPONENTS = frozenset({"character-count", "date-input", "input", "textarea"})
OPTION_COMPONENTS = frozenset({"checkboxes", "radios", "select"})
# A last check on what the allowed components are given: text that looks like a phone or NHS
# number (10 or more digits), an email address or a full postcode is a person's contact
# details or identity wherever it appears (the consent form's checkbox hint reads "To 07700
# 900123"), and is never kept. A name cannot be told by its shape: that is what the list of
# components above is for.
PERSONAL_DETAILS = re.compile(
    r"\d(?:[ -]?\d){9,}"
    r"|[\w.+-]+@[\w-]+\.[\w.-]+"
    r"|\b[a-z]{1,2}\d[a-z\d]? ?\d[a-z]{2}\b",
    re.IGNORECASE,
)
# …nor a secret link's token (the questionnaire's "Carry on" button): 32 or more URL-safe
# characters mixing upper case, lower case and digits, which neither class names nor UUIDs do.
TOKEN_LIKE = re.compile(r"[A-Za-z0-9_-]{32,}")


def url(viewname, *args, **kwargs):
    return reverse(viewname, args=args or None, kwargs=kwargs or None)


logger = logging.getLogger(__name__)


class TemplateBytecodeCache(FileSystemBytecodeCache):
    """Compiled templates kept on disk, so that each new process (every gunicorn worker,
    replaced every GUNICORN_MAX_REQUESTS, and every task worker) loads them instead of
    compiling each of the ~200 templates and macro files again: a quarter of a staff page's
    CPU in the load benchmark went on compiling (bench/README.md, "Start-up"). Jinja checks
    each file's source checksum, so an edited template is compiled afresh. A cache that
    cannot be written is only slower: a template is never refused for it."""

    def load_bytecode(self, bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except OSError as error:
            logger.warning("Could not read a compiled template in %s: %s", self.directory, error)

    def dump_bytecode(self, bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError as error:
            logger.warning("Could not keep a compiled template in %s: %s", self.directory, error)


def template_bytecode_cache() -> TemplateBytecodeCache | None:
    # No folder set: Jinja's own, per user in the temporary directory, made 0700 and refused
    # if anyone else owns it (loading compiled code from a folder others can write to would
    # let them run code as linkwork).
    try:
        if folder := settings.TEMPLATE_BYTECODE_DIR:
            os.makedirs(folder, mode=0o700, exist_ok=True)
        return TemplateBytecodeCache(folder or None)
    except (OSError, RuntimeError) as error:
        logger.warning("Templates will be compiled in each process: %s", error)
        return None


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
    if "bytecode_cache" not in options:
        options["bytecode_cache"] = template_bytecode_cache()
    env = Environment(**options)
    env.template_class = ComponentTemplate
    env.component_cache = ComponentCache(COMPONENT_CACHE_SIZE)
    env.globals.update(
        url=url,
        url_by_id=url_by_id,
        static=static,
        get_messages=get_messages,
        navigation=layout.navigation,
        page_header=layout.header,
        background_warning=background.staff_warning,
        status_tag=presenters.status_tag,
        due_label=presenters.due_label,
        onward_tag=onward_presenters.onward_tag,
        answer_due=onward_presenters.answer_due,
    )
    env.filters.update(presenters.FILTERS)
    env.filters["indent"] = indent
    return env


def indent(s, width=4, first=False, blank=False):
    """Jinja's `indent`, with the same result, made cheap for HTML. Given Markup, Jinja's
    makes a Markup of every line and escapes each again to join them: 13 ms for the find
    form's "More options" inside the details component (rendered each time, see
    `CACHED_COMPONENTS`), where doing the same on the plain text takes a fraction of one.
    Markup's own indentation and newline are not escaped either, so the text is the same."""
    if isinstance(s, Markup):
        return Markup(
            do_indent(str(s), str(width) if isinstance(width, str) else width, first, blank)
        )
    return do_indent(s, width, first, blank)


class Uncacheable(Exception):
    """A parameter whose HTML cannot be told from its value alone (an object, a lazy string)."""


def _freeze(value, texts: list | None = None):
    """A hashable key that is equal only for parameters the macros render identically: the
    type is part of it (True is not 1, escaped HTML is not the same text unescaped), and any
    type whose rendering could differ from another's with an equal value is refused. Every
    text met on the way is added to `texts` (when given) for `_keepable` to read."""
    kind = type(value)
    if kind is str:
        if texts is not None:
            texts.append(value)
        return value
    if value is None or kind in (bool, int, float):
        return (kind, value)
    if kind is dict:
        return (dict, tuple((k, _freeze(v, texts)) for k, v in value.items()))
    if kind in (list, tuple):
        return (list, tuple(_freeze(v, texts) for v in value))
    if hasattr(value, "__html__"):  # Markup, Django's SafeString: HTML already escaped
        html = str(value.__html__())
        if texts is not None:
            texts.append(Markup(html))
        return (Markup, html)
    if isinstance(value, Undefined):
        return (Undefined,)
    if kind is ModelChoiceIteratorValue:  # a model choice's value: renders as its key
        return (kind, _freeze(value.value, texts))
    if kind is UUID:
        return (kind, value)
    raise Uncacheable(kind.__name__)


def _blank(value) -> bool:
    return value is None or value == "" or isinstance(value, Undefined)


def _items(params: dict) -> list:
    items = params.get("items")
    return [item for item in items if type(item) is dict] if type(items) in (list, tuple) else []


def _empty_field(params: dict) -> bool:
    values = params.get("values")
    return (
        _blank(params.get("value"))
        and (_blank(values) or (type(values) is dict and all(map(_blank, values.values()))))
        and all(_blank(item.get("value")) for item in _items(params))
    )


def _keepable(component: str, params, texts: list) -> bool:
    """Whether a render of an allowed component may outlive the request. The component says
    what the parameters are for; their shape says whether a person's words are in them."""
    # HTML handed in was made by the page, and the cache cannot read it: a fieldset's is the
    # fields inside it, filled in or not (a date of birth); a template's {% set %} block may
    # hold a name or a CSRF token. Forms give the option lists as plain data, so this only
    # costs the nested calls made when the component around them was not kept. (Blank HTML
    # is no content: what the macros' own empty {% set %} blocks pass to their inner ones.)
    if any(type(text) is Markup and text.strip() for text in texts):
        return False
    if type(params) is dict:
        # What someone typed into a field (their name, address, an NHS number, a note) comes
        # back as the field's value: an empty field is the form's structure, a filled one is
        # that person's answer. A date input's values are the parts of a date (of birth).
        if component in TYPED_COMPONENTS and not _empty_field(params):
            return False
        # A conditional is any HTML shown under an option, such as a filled field: the
        # option list itself is structure (labels, values, which one is chosen), not that.
        if component in OPTION_COMPONENTS and any(
            item.get("conditional") for item in _items(params)
        ):
            return False
        # An error message answers what was typed and may quote it ("'12 Acacia Avenue' is
        # not a postcode"); it only shows after a failed submission, so keeping it saves
        # nothing either. (The error-message component is not in the list for this reason.)
        if not _blank(params.get("errorMessage")):
            return False
    text = "\n".join(texts)
    if PERSONAL_DETAILS.search(text):
        return False
    return not any(
        any(c.isupper() for c in run)
        and any(c.islower() for c in run)
        and any(c.isdigit() for c in run)
        for run in TOKEN_LIKE.findall(text)
    )


class ComponentCache:
    """The HTML of NHS.UK component macros, kept per process for each distinct parameters.

    The NHS.UK macros are pure: their HTML depends on their parameters alone (their modules
    are imported without the page's context, none has side effects). Rendering one runs
    several nested macros per item and re-indents the HTML at each level: ~1 ms for a group
    of a dozen checkboxes, most of the find page. A page's components are mostly the same
    from one request to the next (the find form's option lists, a status tag, a button).
    The key is the whole of the parameters, so a changed label, a new option or another
    selection is another entry: nothing is ever stale. Parameters holding anything but plain
    data, and calls with `caller` ({% call %}), are rendered each time.

    What is kept stays in the web process's memory after the request, so only the
    components of `CACHED_COMPONENTS` come here at all, and of those only renders that
    `_keepable` finds free of what a person typed or of their contact details."""

    def __init__(self, size: int, chars: int = COMPONENT_CACHE_CHARS):
        self.size = size
        self.chars = chars  # a bound on memory too: a key holds about as much as its HTML
        self.held = 0
        self.entries: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def render(self, component: str, macro, params) -> Markup:
        texts: list = []
        try:
            key = (component, _freeze(params, texts))
        except Uncacheable:
            return macro(params)
        if not _keepable(component, params, texts):
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
    its macros through the environment's `ComponentCache`, for the components allowed there
    (`CACHED_COMPONENTS`); any other component's module is Jinja's own."""

    def make_module(self, vars=None, shared=False, locals=None):
        module = super().make_module(vars, shared, locals)
        match = COMPONENT_MACROS.fullmatch(self.name or "")
        if match and match["component"] in CACHED_COMPONENTS:
            cache = self.environment.component_cache
            for name, value in list(module.__dict__.items()):
                if isinstance(value, Macro):
                    setattr(module, name, CachedMacro(cache, match["component"], value))
        return module
