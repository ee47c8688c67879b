"""Jinja2 templates for plans, e-mails and the report, with a program's own overrides.

Templates live in ``matcher/outputs/templates``. A program replaces any of them by putting a file of
the same name in its own folder, named by ``[program] templates_dir`` in the config
(relative to the config file) or by the caller. Escaping follows the output: HTML templates
(``*.html.j2``) autoescape everything; Markdown templates (``*.md.j2``) neutralise ``<`` and
``>`` and backslash-escape ``[``, ``]`` and ``\\`` (filter ``markdown_safe``), so a
participant named ``<script>`` shows as text and a goal holding ``![x](https://...)`` or
``[click](javascript:...)`` is neither an image a viewer fetches nor a link; plain-text
templates (``*.txt.j2``, e-mail bodies) are left as written. Every value printed by any
template loses its control characters (:func:`~matcher.outputs.cell_safety.clean_text`).
Each plan's pages are made as the UTF-8 bytes their files hold (:meth:`Templates.render_bytes`).

A program's own templates are untrusted code: when a templates folder is given, every
template renders in Jinja's :class:`~jinja2.sandbox.SandboxedEnvironment`, which refuses
attribute access to Python internals (``__class__``, ``__globals__`` ...), so a template
cannot run Python; a refusal is a :class:`~scoring.config.ConfigError` naming the template.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import jinja2
import jinja2.compiler
import jinja2.nodes
import jinja2.runtime
import jinja2.sandbox
import markupsafe

from matcher.outputs.cell_safety import clean_text
from matcher.outputs.template_code import (
    EVERY_PRINTED,
    EncodedCode,
    EncodedMarkup,
    EncodedPrinted,
    LoopTexts,
    NotEncodable,
    Printed,
    PrintOnce,
    TrustedCode,
)
from scoring.config import ConfigError, ProgramConfig

_PACKAGE_TEMPLATES = Path(__file__).with_name("templates")


#: What Markdown text escapes, in an order that never escapes an escape twice (the
#: backslash first); one search lets most text through as is.
_MARKDOWN_ESCAPES = (("\\", "\\\\"), ("[", "\\["), ("]", "\\]"), ("<", "&lt;"), (">", "&gt;"))
_MARKDOWN_SPECIAL = re.compile(r"[\\\[\]<>]")


def markdown_safe(value: Any) -> Any:
    """Participant text for Markdown: no raw HTML (angle brackets become entities) and no
    link or image syntax (brackets escaped), control characters removed; other values
    unchanged. Applied to every ``{{ value }}`` of a Markdown template."""
    if isinstance(value, str):
        value = clean_text(value)
        if _MARKDOWN_SPECIAL.search(value) is not None:
            for special, escaped in _MARKDOWN_ESCAPES:
                value = value.replace(special, escaped)
    return value


def printable(value: Any) -> Any:
    """Every ``{{ value }}`` of an HTML or text template: control characters removed
    (markup the code built, such as the report's figures, is kept as it is)."""
    if isinstance(value, str) and not isinstance(value, markupsafe.Markup):
        return clean_text(value)
    return value


#: What each finalize function changes in a text besides its unprintable characters (which
#: :func:`~matcher.outputs.cell_safety.clean_text` removes or replaces): a text holding
#: neither is printed as it is (:class:`~.template_code.Printed`).
_FINALIZE_CHANGES: dict[Callable[[Any], Any], str] = {
    printable: "", markdown_safe: "".join(special for special, _ in _MARKDOWN_ESCAPES)}


def _lower_first(value: str) -> str:
    """``Specialist mentor for AI`` → ``specialist mentor for AI`` (names keep capitals)."""
    return value[:1].lower() + value[1:]


@functools.lru_cache(maxsize=1024)  # a run's plans share a few first-meeting dates
def _long_date(value: dt.date | None) -> str:
    return f"{value:%A} {value.day} {value:%B %Y}" if value else ""


def _printing_once(env: jinja2.Environment, trusted: bool = False,
                   encoded: bool = False) -> jinja2.Environment:
    """``env`` compiling its templates with :class:`~.template_code.PrintOnce` (printing
    through its own ``finalize``), or, for the built-in templates (``trusted``), with
    :class:`~.template_code.TrustedCode`, or (``encoded``) to UTF-8 bytes with
    :class:`~.template_code.EncodedCode`."""
    finalize = env.finalize
    assert finalize is not None, "the environments print through a finalize function"
    env.code_generator_class = EncodedCode if encoded else TrustedCode if trusted \
        else PrintOnce
    changes = _FINALIZE_CHANGES.get(finalize)
    escaped, text = (Printed(finalize, escaped=True, changes=changes),
                     Printed(finalize, escaped=False, changes=changes))
    env.printed_escaped = EncodedPrinted(escaped) if encoded else escaped  # type: ignore[attr-defined]
    env.printed_text = EncodedPrinted(text) if encoded else text  # type: ignore[attr-defined]
    env.loop_texts = LoopTexts()  # type: ignore[attr-defined]
    if encoded:
        env.concat = b"".join  # type: ignore[assignment,method-assign]
    return env


class Templates:
    """The template set of one run: a program folder first, then the built-in templates.

    The built-in set (no folder) is compiled with :class:`~.template_code.TrustedCode`
    (``trusted``); a render or macro call that raises is done again by Jinja's own code
    (:class:`~.template_code.PrintOnce`), which prints or raises what it always did. A
    program's folder is sandboxed, each of its templates compiled with Jinja's own code.
    """

    def __init__(self, override_dir: Path | None = None, *, trusted: bool = True) -> None:
        if override_dir is not None and not override_dir.is_dir():
            raise ConfigError(f"Templates folder {override_dir} does not exist. Create it "
                              f"with the templates you want to change (copy them from "
                              f"{_PACKAGE_TEMPLATES}), or remove the templates_dir setting.")
        folders = [str(override_dir)] if override_dir else []
        loader = jinja2.FileSystemLoader([*folders, str(_PACKAGE_TEMPLATES)])
        # auto_reload off: a run renders the same few templates thousands of times, and
        # Jinja would otherwise stat every template file (and each one it includes) per render.
        common: dict[str, Any] = {"loader": loader, "undefined": jinja2.StrictUndefined,
                                  "trim_blocks": True, "lstrip_blocks": True,
                                  "keep_trailing_newline": True, "auto_reload": False,
                                  "cache_size": -1}
        # A program's own templates are code we did not write: sandboxed.
        kind = jinja2.sandbox.SandboxedEnvironment if override_dir else jinja2.Environment
        self.trusted = trusted and override_dir is None
        self._html = _printing_once(kind(autoescape=True, finalize=printable, **common),
                                    self.trusted)
        self._markdown = _printing_once(kind(autoescape=False, finalize=markdown_safe,
                                             **common), self.trusted)
        self._text = _printing_once(kind(autoescape=False, finalize=printable, **common),
                                    self.trusted)
        # The built-in templates compiled to UTF-8 bytes too (pages are written as bytes).
        self._encoded_envs: dict[jinja2.Environment, jinja2.Environment] = {
            env: _printing_once(jinja2.Environment(autoescape=env.autoescape,
                                                   finalize=env.finalize, **common),
                                False, True)
            for env in (self._html, self._markdown, self._text)} if self.trusted else {}
        for env in (self._html, self._markdown, self._text, *self._encoded_envs.values()):
            env.filters["long_date"] = _long_date
            env.filters["lowerfirst"] = _lower_first
            env.filters["markdown_safe"] = markdown_safe
        self._loaded: dict[str, tuple[jinja2.Template, dict[str, Any]]] = {}
        self._encoded: dict[str, tuple[jinja2.Template, dict[str, Any]] | None] = {}
        self._jinja: Templates | None = None

    def render(self, name: str, **context: Any) -> str:
        """Render template ``name`` with the escaping its kind of output needs."""
        template, names = self._loaded.get(name) or self._load(name)
        env = template.environment
        try:  # what Template.render does, less its per-call wrapping (``names``: see _load)
            return "".join(template.root_render_func(env.context_class(
                env, {**names, **context}, name, template.blocks, names)))
        except Exception:  # done again below, which raises it as it always did
            pass
        with _template_errors(name):
            return self._jinja_code()._template(name).render(**context)

    def render_bytes(self, name: str, **context: Any) -> bytes:
        """:meth:`render` as UTF-8 bytes: for the built-in templates, rendered to bytes
        directly (:class:`~.template_code.EncodedCode`), else rendered and encoded."""
        loaded = self._encoded[name] if name in self._encoded else self._load_encoded(name)
        if loaded is not None:
            template, names = loaded
            env = template.environment
            try:  # as render, to bytes
                return b"".join(template.root_render_func(env.context_class(  # type: ignore[arg-type]
                    env, {**names, **context}, name, template.blocks, names)))
            except Exception:  # rendered as text below, which raises it as it always did
                pass
        return self.render(name, **context).encode("utf-8")

    def macro_bytes(self, name: str, macro: str) -> Callable[..., bytes]:
        """:meth:`macro` as UTF-8 bytes (see :meth:`render_bytes`)."""
        function = self._encoded_macro(name, macro)
        # The macro as text: where there is no bytes version, now (its errors are the
        # caller's), else on the first call the bytes version cannot finish.
        text = [self.macro(name, macro)] if function is None else []

        def call(*args: Any) -> bytes:
            if function is not None:
                try:
                    data = function(*args)
                except Exception:  # done again as text, as for render_bytes
                    pass
                else:
                    if type(data) is bytes:
                        return data
            if not text:
                text.append(self.macro(name, macro))
            return text[0](*args).encode("utf-8")
        return call

    def _load_encoded(self, name: str) -> tuple[jinja2.Template, dict[str, Any]] | None:
        """Template ``name`` compiled to bytes, or None (not a built-in set, or a template
        :class:`~.template_code.EncodedCode` does not compile)."""
        encoded = self._encoded_envs.get(self._environment(name))
        loaded = None
        if encoded is not None:
            try:
                template = encoded.get_template(name)
            except (NotEncodable, jinja2.TemplateError):  # rendered as text (which raises
                pass  # a template error where it always did)
            else:
                loaded = (template, dict(template.globals))
        self._encoded[name] = loaded
        return loaded

    def _encoded_macro(self, name: str, macro: str) -> Callable[..., bytes] | None:
        """The function of macro ``macro`` of ``name`` compiled to bytes, when it takes
        its arguments as they are given (all of them; no ``caller``, ``varargs`` or
        ``kwargs``: then Jinja's Macro object, which makes Markup of the result, binds
        them), else None."""
        loaded = self._encoded[name] if name in self._encoded else self._load_encoded(name)
        if loaded is None:
            return None
        try:
            found = getattr(loaded[0].module, macro, None)
        except Exception:  # the module's own text does not render: the text macro decides
            return None
        if not isinstance(found, jinja2.runtime.Macro) \
                or found.caller or found.catch_kwargs or found.catch_varargs:
            return None
        count = len(found.arguments)
        function: Callable[..., bytes] = found._func  # type: ignore[assignment]  # EncodedCode: bytes

        def call(*args: Any) -> bytes:
            if len(args) != count:
                raise TypeError("arguments not as the macro takes them")
            return function(*args)
        return call

    def macro(self, name: str, macro: str) -> Callable[..., str]:
        """Macro ``macro`` of template ``name``, to call once per item (e.g. a plan's body).

        The template is compiled and its module built once; errors while calling the macro
        read like those of :meth:`render`.
        """
        function = self._macro(name, macro)

        def call(*args: Any) -> str:
            try:
                return function(*args)
            except Exception:  # done again below, as for render
                pass
            with _template_errors(name):
                return self._jinja_code()._macro(name, macro)(*args)
        return call

    def _template(self, name: str) -> jinja2.Template:
        return self._load(name)[0]

    def _load(self, name: str) -> tuple[jinja2.Template, dict[str, Any]]:
        """Template ``name`` and its global names as one dict (Jinja keeps them as a
        ChainMap, which it flattens into each render's context: here once)."""
        with _template_errors(name):
            template = self._environment(name).get_template(name)
        self._loaded[name] = loaded = (template, dict(template.globals))
        return loaded

    def _macro(self, name: str, macro: str) -> Callable[..., str]:
        with _template_errors(name):
            function = getattr(self._template(name).module, macro, None)
        if function is None:
            raise ConfigError(f"Template {name} has no macro {macro!r}. Keep the macro of the "
                              f"built-in template when you change it.")
        return function

    def _jinja_code(self) -> Templates:
        """These templates compiled by Jinja's own code (this set itself unless trusted)."""
        if not self.trusted:
            return self
        if self._jinja is None:  # a trusted set is the built-in one: no folder
            self._jinja = Templates(trusted=False)
        return self._jinja

    def compile_all(self) -> None:
        """Compile every template of the set now (Jinja otherwise compiles each one on its
        first use, some 65 ms for the built-in set): the pages a run renders as bytes
        (:data:`PAGES_AS_BYTES`) in their bytes version where they have one (their text
        version is then only compiled if ever needed), the others as text."""
        loader = self._text.loader
        assert loader is not None
        for name in loader.list_templates():
            if not name.endswith(".j2") or (name in PAGES_AS_BYTES
                                             and self._load_encoded(name) is not None):
                continue
            with _template_errors(name):
                self._environment(name).get_template(name)

    def _environment(self, name: str) -> jinja2.Environment:
        if name.endswith((".html.j2", ".htm.j2", ".svg.j2")):
            return self._html
        if name.endswith(".md.j2"):
            return self._markdown
        return self._text


@contextmanager
def _template_errors(name: str) -> Iterator[None]:
    """Template mistakes as ConfigError with the fix (a program may edit its templates)."""
    try:
        yield
    except jinja2.TemplateSyntaxError as exc:
        raise ConfigError(f"Template {exc.filename or name}, line {exc.lineno}: "
                          f"{exc.message}. Fix the template or remove it to use the "
                          f"built-in one.") from None
    except jinja2.UndefinedError as exc:
        raise ConfigError(f"Template {name}: {exc.message}. Use only the variables the "
                          f"built-in template uses.") from None
    except jinja2.sandbox.SecurityError as exc:
        raise ConfigError(f"Template {name}: {exc}. Templates may only show the values "
                          f"they are given; remove that expression.") from None


@dataclass(frozen=True)
class PlanPages:
    """One pair's plan as written: Markdown and a standalone HTML page (UTF-8, as the files
    hold them), and the HTML body that all_plans.html shows too."""

    markdown_bytes: bytes
    html_bytes: bytes
    body: EncodedMarkup  # its text (a program's own page may read it) and its UTF-8 bytes

    @property
    def markdown(self) -> str:
        return self.markdown_bytes.decode("utf-8")

    @property
    def html(self) -> str:
        return self.html_bytes.decode("utf-8")


#: The templates :class:`PlanRenderer` renders to bytes, for each pair.
PAGES_AS_BYTES = ("_plan_body.html.j2", "plan.md.j2", "plan.html.j2")


class PlanRenderer:
    """Renders plans with a run's templates, each plan's HTML body once for both pages.

    The built-in templates render each page to bytes (:meth:`Templates.render_bytes`); the
    body is kept as the bytes it was made as (printed into the standalone page and joined
    into all_plans.html as they are) and as text (for a program's own templates)."""

    def __init__(self, templates: Templates) -> None:
        self.templates = templates
        # A stand-in with render and macro alone (the tests' plain-Jinja reference) renders
        # text, encoded here.
        encoded = getattr(templates, "macro_bytes", None)
        if encoded is not None:
            self._body_bytes: Callable[[Any], bytes] = encoded("_plan_body.html.j2",
                                                               "plan_body")
        else:
            body = templates.macro("_plan_body.html.j2", "plan_body")
            self._body_bytes = lambda plan: str(body(plan)).encode("utf-8")
        self._page: Callable[..., bytes] = getattr(
            templates, "render_bytes",
            lambda name, **context: templates.render(name, **context).encode("utf-8"))

    def __call__(self, plan: Any) -> PlanPages:
        """The pages of one :class:`~matcher.outputs.plans.PairPlan`."""
        body = EncodedMarkup.of(self._body_bytes(plan))
        return PlanPages(markdown_bytes=self._page("plan.md.j2", plan=plan),
                         html_bytes=self._page("plan.html.j2", plan=plan, body=body),
                         body=body)

    def combined(self, plans: Sequence[Any], bodies: Sequence[str]) -> str:
        """all_plans.html: a table of contents sorted by mentee name (then primary first,
        then mentor name), then every plan's body in that order (one per printed page).
        Ids are shown beside the names that more than one person carries."""
        order = _toc_order(plans)
        return self._combined(plans, order, [bodies[k] for k in order])

    def heading(self, plan: Any) -> Any:
        """What :meth:`combined_utf8` needs of ``plan`` besides its body: with the built-in
        templates a :class:`PlanHeading` (all the built-in page reads of a plan, a forked
        copy hands it back instead of the whole plan), with a program's own the plan
        itself (its template may read any of it)."""
        if not self.templates.trusted:
            return plan
        return PlanHeading(plan.program, plan.file_stem, plan.role, plan.continuing,
                           HeadingPerson(plan.mentee.id, plan.mentee.name, plan.mentee.role),
                           HeadingPerson(plan.mentor.id, plan.mentor.name, plan.mentor.role))

    def combined_utf8(self, plans: Sequence[Any], bodies: Sequence[bytes]) -> bytes:
        """:meth:`combined` encoded in UTF-8, from each plan's body encoded already
        (``plans`` as :meth:`heading` gives them): the bodies are most of the page (some
        6,000 characters a pair), and the UTF-8 of a text is the UTF-8 of its pieces, one
        after the other. With the built-in templates the page is rendered with a placeholder
        for each body, and the bodies are joined in as bytes; a program's own template is
        given them as text (it may do more with a body than print it)."""
        order = _toc_order(plans)
        if not self.templates.trusted:
            return self._combined(plans, order, [markupsafe.Markup(bodies[k].decode("utf-8"))
                                                 for k in order]).encode("utf-8")
        pieces = self._combined(plans, order, [_BODY_PLACE] * len(order)).split(_BODY_PLACE)
        if len(pieces) != len(order) + 1:  # never: the built-in page prints each body once
            raise AssertionError("plans_combined.html.j2 no longer prints each body once")
        parts = [pieces[0].encode("utf-8")]
        for k, piece in zip(order, pieces[1:], strict=True):
            parts += (bodies[k], piece.encode("utf-8"))
        return b"".join(parts)

    def _combined(self, plans: Sequence[Any], order: Sequence[int],
                  bodies: Sequence[str]) -> str:
        """The page of ``plans`` in ``order``, with ``bodies`` (in that order already)."""
        return self.templates.render("plans_combined.html.j2",
                                     plans=[plans[k] for k in order], bodies=bodies,
                                     program=plans[0].program if plans else "",
                                     repeated=repeated_names(
                                         person for plan in plans
                                         for person in (plan.mentee, plan.mentor)))


class HeadingPerson(NamedTuple):
    """A person as all_plans.html's table of contents shows them."""

    id: str
    name: str
    role: str


class PlanHeading(NamedTuple):
    """What the built-in all_plans.html reads of a plan besides its body: its entry in the
    table of contents (and the order of the entries)."""

    program: str
    file_stem: str
    role: str
    continuing: bool
    mentee: HeadingPerson
    mentor: HeadingPerson


#: What :meth:`PlanRenderer.combined_utf8` renders in each body's place: no printed value
#: holds a control character (:func:`printable`), and the built-in templates none either.
_BODY_PLACE = markupsafe.Markup("\x00plan body\x00")


def _toc_order(plans: Sequence[Any]) -> list[int]:
    """The plans' positions in the order all_plans.html lists them."""
    return sorted(range(len(plans)), key=lambda k: _toc_key(plans[k]))


def _toc_key(plan: Any) -> tuple[str, bool, str, str, str]:
    return (plan.mentee.name.casefold(), plan.role != "primary",
            plan.mentor.name.casefold(), plan.mentee.id, plan.mentor.id)


def repeated_names(people: Iterable[Any]) -> frozenset[str]:
    """The names that more than one id carries (people with ``name`` and ``id``): where a
    page lists them, it shows the id beside the name so the two can be told apart."""
    ids: dict[str, set[str]] = {}
    for person in people:
        ids.setdefault(person.name, set()).add(person.id)
    return frozenset(name for name, owners in ids.items() if len(owners) > 1)


def templates_for(config: ProgramConfig, override_dir: Path | None = None) -> Templates:
    """The templates of a run: ``override_dir``, else ``[program] templates_dir``, else built-in.

    A relative ``templates_dir`` in the config is read relative to the config file.
    """
    if override_dir is None:
        configured = config.program.templates_dir.strip()
        if configured:
            override_dir = Path(configured)
            if not override_dir.is_absolute() and config.path is not None:
                override_dir = config.path.parent / override_dir
    return Templates(override_dir) if override_dir is not None else builtin_templates()


def forget_printed_values() -> None:
    """Drop the printed texts every environment keeps (participants' names among them)
    once a run folder is written, so a long-running service holds none of a program's
    texts after the run that printed them (the built-in templates live as long as it)."""
    for printed in list(EVERY_PRINTED):
        printed.forget()


@functools.cache
def builtin_templates() -> Templates:
    """The built-in templates, compiled once per process and shared by its runs (a program
    folder's templates are read again for each run: the coordinator may have edited them).

    Jinja compiles a template to Python on first use, some 65 ms for the whole set:
    a service, or a command that writes more than one folder, pays it once.
    """
    return Templates()
