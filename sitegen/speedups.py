"""Make Jinja render the same bytes with less work: faster calls, translations and macros.

Three changes, each invisible in the output:

* ``FastContext.call`` calls plain functions and macros directly; Jinja's own ``Context.call``
  inspects every callable for ``pass_context`` markers on every call.
* ``install_translations`` installs ``_``/``gettext``/``ngettext`` with the semantics of
  Jinja's "newstyle" gettext (escape the catalog text, then ``%``-format with escaped
  variables) but without the per-call context plumbing, and remembers each message's
  translation, which is the same on every page of a locale.
* Macros imported from another template without context (``{% from "_labels.html" import
  class_name %}``) can see only their arguments and the environment's globals, so their
  output is a pure function of the arguments and the locale: ``MemoMacro`` remembers it
  per locale. Only arguments whose value fully decides the output are used as keys
  (numbers, plain strings, value objects, localized objects by identity); a call with any
  other argument, with a ``caller`` or with keyword arguments renders as usual.
"""

from __future__ import annotations

import dataclasses
import datetime
from types import BuiltinFunctionType, BuiltinMethodType, FunctionType, MethodType, MethodWrapperType

import jinja2
import jinja2.ext
import jinja2.meta
import jinja2.nodes
from jinja2.runtime import Context, Macro
from jinja2.utils import internalcode
from markupsafe import Markup, escape

from .localize import LocalText, Localized

STOP_ITERATION = "value was undefined because a callable raised a StopIteration exception"

# Incremented whenever the translations change, so macro memories never mix locales.
_generation = 0


class MemoMacro:
    """A macro imported without context, remembering its output per locale and arguments."""

    __slots__ = ("macro", "cache", "generation", "__weakref__")

    def __init__(self, macro: Macro):
        self.macro = macro
        self.cache: dict = {}
        self.generation = _generation

    def __getattr__(self, name: str):
        return getattr(self.macro, name)

    def __call__(self, *args, **kwargs):
        if kwargs:
            return self.macro(*args, **kwargs)
        key = arguments_key(args)
        if key is None:
            return self.macro(*args)
        if self.generation != _generation:
            self.cache.clear()
            self.generation = _generation
        try:
            return self.cache[key]
        except KeyError:
            value = self.cache[key] = self.macro(*args)
            return value


VALUE_TYPES = (int, str, float, bool, type(None), datetime.date, datetime.datetime)


def arguments_key(args: tuple, lists: bool = False) -> tuple | None:
    """A key that decides a call's output for these arguments, or None when there is none.

    Lists are keyed by their items only with ``lists=True`` (for functions that do not
    change them; a macro could append to a list it is given).
    """
    key = []
    for arg in args:
        kind = type(arg)
        if kind in VALUE_TYPES:
            key.append((kind, arg))
        elif kind is Localized:
            key.append((kind, id(arg), arg))  # the object itself keeps its id from being reused
        elif kind is LocalText:
            key.append((kind, str(arg), arg.fallback))
        elif kind is Markup:
            key.append((kind, str(arg)))
        elif dataclasses.is_dataclass(arg) and arg.__dataclass_params__.frozen:
            try:
                hash(arg)
            except TypeError:
                return None
            key.append((kind, arg))
        elif kind is tuple or (kind is list and lists):
            inner = arguments_key(tuple(arg), lists)
            if inner is None:
                return None
            key.append((kind, inner))
        else:
            return None
    return tuple(key)


# Callables that can carry no pass_context marker, called directly.
PLAIN_CALLABLES = frozenset({Macro, MemoMacro, BuiltinFunctionType, BuiltinMethodType, MethodWrapperType})


class FastContext(Context):
    """A template context whose ``call`` skips Jinja's inspection for plain callables."""

    @internalcode
    def call(__self, __obj, *args, **kwargs):  # noqa: N805 - same signature as Context.call
        kind = type(__obj)
        if kind in PLAIN_CALLABLES or (kind is FunctionType and "jinja_pass_arg" not in __obj.__dict__) or (
                kind is MethodType and "jinja_pass_arg" not in getattr(__obj.__func__, "__dict__", {"jinja_pass_arg": 1})):
            if kwargs:
                kwargs.pop("_block_vars", None)
                kwargs.pop("_loop_vars", None)
            try:
                return __obj(*args, **kwargs)
            except StopIteration:
                return __self.environment.undefined(STOP_ITERATION)
        return Context.call(__self, __obj, *args, **kwargs)


class FastTemplate(jinja2.Template):
    """A template whose imported modules are reused, and whose macros remember their output.

    A module imported without context sees only the globals: it is made once and its
    macros are ``MemoMacro``. A module imported *with* context sees the importing page's
    variables, but only those its template names (``free_names``): it is reused for every
    page where each of those names holds the very same object (the locale's ``_``, the
    locale, the site), and made anew otherwise.
    """

    def _get_default_module(self, ctx=None):
        module = super()._get_default_module(ctx)
        if module is self._module and not module.__dict__.get("_sitegen_memo"):
            remember_macros(module)
        return module

    def free_names(self) -> tuple[str, ...] | None:
        """The names this template takes from its context (None when its source is unknown)."""
        if "_sitegen_free" not in self.__dict__:
            names = None
            try:
                source, _, _ = self.environment.loader.get_source(self.environment, self.name)
                names = tuple(sorted(jinja2.meta.find_undeclared_variables(self.environment.parse(source))))
            except (jinja2.TemplateError, TypeError, AttributeError, OSError):
                pass
            self.__dict__["_sitegen_free"] = names
        return self.__dict__["_sitegen_free"]

    def make_module(self, vars=None, shared=False, locals=None):
        names = self.free_names() if shared and vars is not None else None
        if names is None:
            return super().make_module(vars, shared, locals)
        values = tuple(locals[name] if locals and name in locals else vars.get(name, _MISSING) for name in names)
        modules = self.__dict__.setdefault("_sitegen_modules", {})
        if modules.get("generation") != _generation or len(modules) > 256:
            modules.clear()
            modules["generation"] = _generation
        key = tuple(map(id, values))
        entry = modules.get(key)
        if entry is not None and all(a is b for a, b in zip(entry[0], values)):
            return entry[1]
        module = super().make_module(vars, shared, locals)
        remember_macros(module)
        modules[key] = (values, module)
        return module


_MISSING = object()


def remember_macros(module) -> None:
    """Wrap a template module's macros in ``MemoMacro``."""
    for name, value in list(module.__dict__.items()):
        if isinstance(value, Macro) and not value.caller:
            setattr(module, name, MemoMacro(value))
    module._sitegen_memo = True


def install(env: jinja2.Environment, fast: bool = True) -> None:
    """Use the faster context and templates in ``env``; call before any template loads.

    Templates are not checked for changes on every use: a build reads them once. With
    ``fast=False``, only ``{% shared %}`` is installed, rendering its body on every page.
    """
    if not fast:
        env.add_extension(PlainSharedExtension)
        return
    env.auto_reload = False
    env.context_class = FastContext
    env.template_class = FastTemplate
    env.add_extension(SharedExtension)
    install_shared_checks(env)
    if env.cache is not None:
        env.cache.clear()


def install_translations(env: jinja2.Environment, translations) -> None:
    """Make templates translate with ``translations``, as ``render.use_catalog`` does, but faster.

    The result of every call equals Jinja's newstyle gettext around
    ``escape(translations.gettext(message))``: the catalog text is escaped as untrusted,
    then formatted with ``%`` and the (escaped) keyword arguments, even when there are none.
    """
    global _generation
    _generation += 1
    plain: dict[str, Markup] = {}
    messages: dict[str, Markup] = {}

    def gettext(__string, **variables):
        if not variables:
            try:
                return plain[__string]
            except KeyError:
                pass
        try:
            rv = messages[__string]
        except KeyError:
            rv = messages[__string] = Markup(escape(translations.gettext(__string)))
        if variables:
            return rv % variables
        value = plain[__string] = rv % variables
        return value

    def ngettext(__singular, __plural, __num, **variables):
        variables.setdefault("num", __num)
        return Markup(escape(translations.ngettext(__singular, __plural, __num))) % variables

    env.globals.update(gettext=gettext, _=gettext, ngettext=ngettext)


def remembering(functions: dict) -> dict:
    """Plain functions that remember their result per arguments (see ``arguments_key``).

    Only for pure functions, such as a locale's number, date and list formatting.
    """
    def wrap(function):
        memory: dict = {}

        def remembered(*args):
            key = arguments_key(args, lists=True)
            if key is None:
                return function(*args)
            try:
                return memory[key]
            except KeyError:
                value = memory[key] = function(*args)
                return value

        remembered.__name__ = getattr(function, "__name__", "remembered")
        remembered.__doc__ = function.__doc__
        return remembered

    return {name: wrap(function) for name, function in functions.items()}


_SEEN_WITH: dict[int, tuple] = {}


def seen_with(protocol) -> dict[str, list[int]]:
    """Enhanced code key → the reply codes (in protocol order) that list it, computed once."""
    entry = _SEEN_WITH.get(id(protocol))
    if entry is None or entry[0] is not protocol:
        index: dict[str, list[int]] = {}
        for code in protocol.codes:
            for form in code.enhanced:
                numbers = index.setdefault(protocol.enhanced_code(form).key, [])
                if code.code not in numbers:
                    numbers.append(code.code)
        entry = _SEEN_WITH[id(protocol)] = (protocol, index)
    return entry[1]


# --- {% shared %}: render a fragment once per locale and key --------------------------------

# Context variables that are the same on every page of a locale (see render.page_context).
# ``protocol`` and ``local`` are the same on every page of a protocol: the page's protocol
# is part of every shared fragment's key.
LOCALE_NAMES = frozenset({
    "locale", "site", "paths", "url", "asset", "reference_link", "number", "percent", "date", "join",
    "digits_reference", "command_reference", "enhanced_reference", "protocol", "local",
})
# The page's protocol is part of every fragment's key, so bodies may use it.
PAGE_PROTOCOL = jinja2.nodes.Getattr(jinja2.nodes.Name("page", "load"), "protocol", "load")
FORBIDDEN_NODES = (jinja2.nodes.Include, jinja2.nodes.Import, jinja2.nodes.Extends, jinja2.nodes.Block)


class SharedExtension(jinja2.ext.Extension):
    """``{% shared key, ... %}...{% endshared %}``: the same output on many pages, rendered once.

    The body is rendered the first time in a locale with given key values and reused for
    every later page of that locale with the same values. Whether that is safe is checked
    when the template compiles: the body may only use the keys, names that are the same
    on every page of a locale (``LOCALE_NAMES``, globals, macros imported without context
    and the template's own macros that obey the same rule) and names it sets itself. Any
    other name is a template error that says which name to add to the key.
    """

    tags = {"shared"}

    def __init__(self, environment):
        super().__init__(environment)
        self._fragments: dict = {}
        self._generation = _generation

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        keys = []
        while parser.stream.current.type != "block_end":
            if keys:
                parser.stream.expect("comma")
            keys.append(parser.parse_expression())
        body = parser.parse_statements(("name:endshared",), drop_needle=True)
        position = jinja2.nodes.Const(f"{parser.name}:{lineno}")
        call = self.call_method("_fragment", [position, jinja2.nodes.ContextReference(), jinja2.nodes.List(keys)],
                                lineno=lineno)
        return jinja2.nodes.CallBlock(call, [], [], body, lineno=lineno)

    def _fragment(self, position, context, keys, caller):
        key = arguments_key((getattr(context.get("page"), "protocol", None), *keys))
        if key is None:
            return caller()
        if self._generation != _generation:
            self._fragments.clear()
            self._generation = _generation
        full = (position, key)
        try:
            return self._fragments[full]
        except KeyError:
            value = self._fragments[full] = caller()
            return value


class PlainSharedExtension(SharedExtension):
    """``{% shared %}`` that renders its body every time (for comparing with the real one)."""

    def _fragment(self, position, context, keys, caller):
        return caller()


def is_shared_call(node) -> bool:
    call = getattr(node, "call", None)
    return (isinstance(node, jinja2.nodes.CallBlock) and isinstance(call.node, jinja2.nodes.ExtensionAttribute)
            and call.node.name == "_fragment")


def check_shared_blocks(template: jinja2.nodes.Template, env: jinja2.Environment, name: str | None,
                        filename: str | None) -> None:
    """Refuse a ``{% shared %}`` body that uses a name that may differ between pages."""
    allowed = set(env.globals) | LOCALE_NAMES
    imported = set()
    for node in template.find_all((jinja2.nodes.FromImport, jinja2.nodes.Import)):
        if node.with_context and not imports_only_locale_names(env, node.template, allowed):
            continue
        if isinstance(node, jinja2.nodes.Import):
            imported.add(node.target)
            continue
        for item in node.names:
            imported.add((item[1] or item[0]) if isinstance(item, tuple) else item)
    macros = {node.name: node for node in template.body if isinstance(node, jinja2.nodes.Macro)}
    allowed |= imported
    clean: dict[str, bool] = {}

    def bound_names(nodes_) -> set[str]:
        bound = set()
        for node in nodes_:
            for item in node.find_all(jinja2.nodes.Name):
                if item.ctx in ("store", "param"):
                    bound.add(item.name)
            for item in node.find_all((jinja2.nodes.Macro, jinja2.nodes.CallBlock)):
                bound.update(arg.name for arg in item.args)
                if isinstance(item, jinja2.nodes.Macro):
                    bound.add(item.name)
            if any(True for _ in node.find_all(jinja2.nodes.For)):
                bound.add("loop")
        return bound

    def problems(nodes_, keys, bound) -> list:
        found = []

        def visit(node):
            if any(node == key for key in keys):
                return
            if isinstance(node, FORBIDDEN_NODES) or is_shared_call(node):
                found.append((node.lineno, None, type(node).__name__.lower()))
                return
            if isinstance(node, jinja2.nodes.Name) and node.ctx == "load":
                if node.name in bound or node.name in allowed:
                    return
                if node.name in macros and macro_is_clean(node.name):
                    return
                found.append((node.lineno, node.name, None))
                return
            for child in node.iter_child_nodes():
                visit(child)

        for node in nodes_:
            visit(node)
        return found

    def macro_is_clean(macro_name: str) -> bool:
        if macro_name not in clean:
            clean[macro_name] = True  # recursion guard
            macro = macros[macro_name]
            bound = bound_names(macro.body) | {arg.name for arg in macro.args} | {"varargs", "kwargs", "caller"}
            clean[macro_name] = not problems(macro.body + macro.defaults, [], bound)
        return clean[macro_name]

    for node in template.find_all(jinja2.nodes.CallBlock):
        if not is_shared_call(node):
            continue
        keys = list(node.call.args[2].items) + [PAGE_PROTOCOL]
        for lineno, bad, kind in problems(node.body, keys, bound_names(node.body)):
            if bad is None:
                message = f"{{% shared %}} cannot contain {{% {kind} %}}"
            else:
                message = (f"'{bad}' may differ from page to page, so {{% shared %}} cannot use it; "
                           f"add it to the fragment's key: {{% shared {bad} %}}")
            raise jinja2.TemplateSyntaxError(message, lineno, name, filename)


def imports_only_locale_names(env: jinja2.Environment, template_name, allowed: set[str]) -> bool:
    """Whether an imported template uses no context variable beyond ``allowed``."""
    if not isinstance(template_name, jinja2.nodes.Const) or not isinstance(template_name.value, str):
        return False
    try:
        template = env.get_template(template_name.value)
    except jinja2.TemplateError:
        return False
    names = template.free_names() if isinstance(template, FastTemplate) else None
    return names is not None and set(names) <= allowed


def install_shared_checks(env: jinja2.Environment) -> None:
    """Check ``{% shared %}`` bodies whenever ``env`` parses a template."""
    original = env._parse

    def parse(source, name, filename):
        template = original(source, name, filename)
        check_shared_blocks(template, env, name, filename)
        return template

    env._parse = parse
