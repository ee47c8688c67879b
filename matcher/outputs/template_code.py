"""The Python code Jinja compiles our templates to: each printed value worked out once per
distinct text, and, for the built-in templates only, cheaper code with the same output.

Jinja compiles a template to a Python generator that yields each piece of text and prints
each ``{{ value }}`` as ``escape(finalize(value))``. Two code generators replace parts of
that code:

- :class:`PrintOnce` (every template, a program's own included) prints a value through the
  environment's :class:`Printed`, which keeps the printed form of each distinct text: a run
  prints the same labels, agenda items and names thousands of times.
- :class:`TrustedCode` (the built-in templates, which we wrote; never a program's own,
  which render sandboxed) also reads ``a.b`` as Python's attribute access instead of
  Jinja's ``environment.getattr`` (which tries the attribute, then the item ``a['b']``,
  then gives an undefined value), looks a printed text up in place instead of calling
  :class:`Printed`, calls methods of built-in types directly, compiles an include of a
  text-only file in as its text, and keeps the text of a loop that reads nothing but its
  items per unchanging sequence of items (:class:`LoopTexts`).

Where Jinja's ``getattr`` finds the attribute it returns what Python's does, so a render
that finishes prints what Jinja's code prints. A render that raises (an attribute that is
missing, a dict where a record was expected, an undefined value) may raise elsewhere than
Jinja's code would: the caller (:class:`~matcher.outputs.templating.Templates`) then renders
the same template with Jinja's own code, which prints or raises exactly what it always did.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import keyword
import re
import weakref
from collections.abc import Callable, Iterable
from typing import Any

import jinja2
import jinja2.compiler
import jinja2.nodes
import markupsafe

#: Distinct texts whose printed form an environment keeps (then it starts again): a run
#: prints the same labels, agenda items and names thousands of times.
OUTPUT_MEMORY = 100_000

#: Sequences a loop's texts are kept for before the loop is taken to go over each item's
#: own sequence (a plan's talking points), whose text is not worth keeping.
LOOP_VARIETY = 256

#: The characters ``markupsafe.escape`` changes.
_ESCAPED = "&<>'\""
#: A pattern that finds nothing (a ``finalize`` that changes only unprintable characters).
_NOTHING = re.compile(r"(?!)")


class Printed:
    """What ``{{ value }}`` prints in one environment: ``escape(finalize(value))`` (HTML) or
    ``str(finalize(value))``, worked out once per distinct text (other values each time).

    ``changes``: the characters besides the unprintable ones (control characters, line
    breaks, ...) that ``finalize`` changes in a text; with it, a text holding none of them
    (nor, in HTML, a character ``escape`` changes) is printed as it is without calling
    ``finalize`` and ``escape`` (most of a run's names and sentences: the first printing
    of each distinct text was most of the cost of printing it).
    """

    def __init__(self, finalize: Callable[[Any], Any], escaped: bool,
                 changes: str | None = None) -> None:
        self._finalize = finalize
        self._escaped = escaped
        self._convert: Callable[[Any], str] = markupsafe.escape if escaped else str
        self._changed: re.Pattern[str] | None = None
        if changes is not None:
            changed = changes + (_ESCAPED if escaped else "")
            self._changed = re.compile(f"[{re.escape(changed)}]") if changed else _NOTHING
        #: Printed form of each text seen; its ``get`` is read by :class:`TrustedCode`'s code
        #: (so the dict is only ever cleared, never replaced).
        self.known: dict[str, str] = {}
        self.known_numbers: dict[int, str] = {}
        EVERY_PRINTED.add(self)

    def __call__(self, value: Any) -> str:
        if type(value) is str:  # not Markup, which is printed as it is
            printed = self.known.get(value)
            if printed is None:
                if len(self.known) >= OUTPUT_MEMORY:
                    self.known.clear()
                changed = self._changed
                # An equal text, where escape() would give an equal Markup: only ever joined
                # into the output, where the two are the same text.
                printed = self.known[value] = (
                    value if changed is not None and value.isprintable()
                    and changed.search(value) is None
                    else self._convert(self._finalize(value)))
            return printed
        if type(value) is int:  # meeting numbers and months: the same few, over and over
            printed = self.known_numbers.get(value)
            if printed is None:
                if len(self.known_numbers) >= OUTPUT_MEMORY:
                    self.known_numbers.clear()
                printed = self.known_numbers[value] = self._convert(self._finalize(value))
            return printed
        finalized = self._finalize(value)
        if self._escaped and (type(finalized) is markupsafe.Markup
                              or type(finalized) is EncodedMarkup):
            # escape() of a Markup is an equal Markup, made by copying it (all_plans.html
            # prints 10,000 plans' bodies): the same text, not copied
            return finalized
        return self._convert(finalized)

    @property
    def kept(self) -> int:
        """How many texts are kept."""
        return len(self.known) + len(self.known_numbers)

    def forget(self) -> None:
        """Drop every text kept (they include participants' names)."""
        self.known.clear()
        self.known_numbers.clear()


class LoopTexts:
    """The text of a ``{% for %}`` loop that reads nothing but its own items, kept per loop
    and per sequence of items: a run's plans share the same year of meetings (one tuple
    for thousands of plans), whose table is then worked out once.

    A sequence is known by its identity, and kept alive with its text (so that no other
    object takes its id); only a sequence that cannot change is kept (:func:`unchanging`).
    """

    def __init__(self) -> None:
        self.known: dict[tuple[int, int], tuple[object, str]] = {}
        #: Loops whose sequences have been new too often to keep (each plan's own list).
        self.off: set[int] = set()
        self._kept: dict[int, int] = {}
        EVERY_PRINTED.add(self)

    @property
    def kept(self) -> int:
        """How many texts are kept."""
        return len(self.known)

    def wanted(self, loop: int, items: object) -> bool:
        """Whether to keep the text of ``loop`` for ``items`` (not kept yet): not if the
        sequence can change, nor once the loop has had too many to keep."""
        if loop in self.off:
            return False
        kept = self._kept[loop] = self._kept.get(loop, 0) + 1
        if kept > LOOP_VARIETY:
            self.off.add(loop)
            return False
        return unchanging(items)

    def keep(self, loop: int, items: object, text: str) -> None:
        if len(self.known) >= OUTPUT_MEMORY:
            self.known.clear()
        self.known[loop, id(items)] = (items, text)

    def forget(self) -> None:
        self.known.clear()
        self.off.clear()
        self._kept.clear()


_UNCHANGING_TYPES = (str, int, float, bool, type(None), dt.date, dt.time, dt.timedelta)


def unchanging(value: object) -> bool:
    """Whether ``value`` can never change: text, numbers, dates, and tuples and frozen
    dataclasses of such values (a list, a dict or any other object: no)."""
    kind = type(value)
    if kind in _UNCHANGING_TYPES or kind is dt.datetime or kind is markupsafe.Markup:
        return True
    if kind is tuple or kind is frozenset:
        return all(unchanging(item) for item in value)  # type: ignore[attr-defined]
    params = getattr(kind, "__dataclass_params__", None)
    return (params is not None and params.frozen
            and all(unchanging(getattr(value, field.name))
                    for field in dataclasses.fields(value)))  # type: ignore[arg-type]


#: Every :class:`Printed` and :class:`LoopTexts` alive (their memories are dropped after
#: each run folder).
EVERY_PRINTED: weakref.WeakSet[Printed | LoopTexts | EncodedPrinted] = weakref.WeakSet()


class PrintOnce(jinja2.compiler.CodeGenerator):
    """Compiles each ``{{ value }}`` to one call of the environment's :class:`Printed`
    (``environment.printed_escaped`` / ``printed_text``) instead of Jinja's
    ``escape(environment.finalize(value))``: the same text, escaped once per distinct value.
    Where autoescaping is decided while rendering (an ``{% autoescape %}`` block), Jinja's
    own code."""

    def _output_child_pre(self, node: jinja2.nodes.Expr, frame: jinja2.compiler.Frame,
                          finalize: Any) -> None:
        if frame.eval_ctx.volatile or finalize.src is None:
            super()._output_child_pre(node, frame, finalize)
        elif frame.eval_ctx.autoescape:
            self.write("environment.printed_escaped(")
        else:
            self.write("environment.printed_text(")

    def _output_child_post(self, node: jinja2.nodes.Expr, frame: jinja2.compiler.Frame,
                           finalize: Any) -> None:
        if frame.eval_ctx.volatile or finalize.src is None:
            super()._output_child_post(node, frame, finalize)
        else:
            self.write(")")


#: The local names :class:`TrustedCode`'s functions read the printing helpers from (Jinja's
#: own locals are ``l_*``, ``t_*`` and a few words such as ``resolve``: no clash).
_LOCALS = (("printed_escaped", "p_esc", "p_esc_known", "p_esc_number"),
           ("printed_text", "p_text", "p_text_known", "p_text_number"))


class TrustedCode(PrintOnce):
    """:class:`PrintOnce`, plus cheaper code for templates we wrote (see the module
    docstring). A kept loop's text assumes what holds for our records: the properties and
    methods a template reads of an unchanging item give the same value each time."""

    def write_commons(self) -> None:
        super().write_commons()
        for attribute, call, known, number in _LOCALS:
            self.writeline(f"{call} = environment.{attribute}")
            self.writeline(f"{known} = {call}.known.get")
            self.writeline(f"{number} = {call}.known_numbers.get")
        self.writeline("p_builtin = type(len)")
        self.writeline("p_loops = environment.loop_texts")

    def visit_Getattr(self, node: jinja2.nodes.Getattr, frame: jinja2.compiler.Frame
                      ) -> None:
        if (self.environment.is_async or not node.attr.isidentifier()
                or keyword.iskeyword(node.attr)):
            super().visit_Getattr(node, frame)
            return
        self.write("(")
        self.visit(node.node, frame)
        self.write(f").{node.attr}")

    def visit_Call(self, node: jinja2.nodes.Call, frame: jinja2.compiler.Frame,
                   forward_caller: bool = False) -> None:
        if (forward_caller or self.environment.is_async or self.environment.sandboxed
                or node.args or node.kwargs or node.dyn_args or node.dyn_kwargs):
            super().visit_Call(node, frame, forward_caller=forward_caller)
            return
        # A method of a built-in type (``date.isoformat()``, ``text.strip()``) cannot ask
        # for the context (Jinja's pass_context marks a Python function), so Jinja's
        # context.call would call it as it is: called here directly; anything else as Jinja.
        self.write("(p_call() if type(p_call := (")
        self.visit(node.node, frame)
        self.write(")) is p_builtin else context.call(p_call")
        extra = {"_loop_vars": "_loop_vars"} if frame.loop_frame else {}
        if frame.block_frame:
            extra["_block_vars"] = "_block_vars"
        self.signature(node, frame, extra or None)
        self.write("))")

    def visit_For(self, node: jinja2.nodes.For, frame: jinja2.compiler.Frame) -> None:
        if frame.require_output_check or frame.eval_ctx.volatile or not _reads_only_items(
                node, self.environment):
            super().visit_For(node, frame)
            return
        # The loop's text is a function of its items: kept per sequence of items (LoopTexts).
        loop = next(_LOOPS)
        items, kept, text = (f"p_items_{loop}", f"p_kept_{loop}", f"p_loop_{loop}")
        self.writeline(f"{items} = ")
        self.visit(node.iter, frame)
        iterate = object.__new__(jinja2.nodes.InternalName)  # the items, worked out above
        iterate.name, iterate.lineno, iterate.environment = items, node.lineno, node.environment
        over_items = jinja2.nodes.For(node.target, iterate, node.body, node.else_, node.test,
                                      node.recursive, lineno=node.lineno)
        self.writeline(f"{kept} = p_loops.known.get(({loop}, id({items})))")
        self.writeline(f"if {kept} is not None and {kept}[0] is {items}:")
        self.indent()
        self._write_text(f"{kept}[1]", frame)
        self.outdent()
        self.writeline(f"elif not p_loops.wanted({loop}, {items}):")  # Jinja's loop
        self.indent()
        super().visit_For(over_items, frame)
        self.outdent()
        self.writeline("else:")
        self.indent()
        capture = frame.copy()
        self.buffer(capture)
        super().visit_For(over_items, capture)
        self.writeline(f"{text} = concat({capture.buffer})")
        self.writeline(f"p_loops.keep({loop}, {items}, {text})")
        self._write_text(text, frame)
        self.outdent()

    def visit_Include(self, node: jinja2.nodes.Include, frame: jinja2.compiler.Frame) -> None:
        text = self._static_text(node)
        if text is None or frame.require_output_check:
            super().visit_Include(node, frame)
        else:  # an included file that is only text (a style sheet): that text, here
            self._write_text(repr(text), frame)

    def _static_text(self, node: jinja2.nodes.Include) -> str | None:
        """The text of the template ``node`` includes, if it is text alone (no tag, no
        value): what rendering it gives whatever the context."""
        name = node.template.as_const() if isinstance(node.template, jinja2.nodes.Const) \
            else None
        loader = self.environment.loader
        if not isinstance(name, str) or loader is None:
            return None
        try:
            source, filename, _ = loader.get_source(self.environment, name)
            body = self.environment.parse(source, name, filename).body
        except jinja2.TemplateError:  # left to Jinja's include, which raises it
            return None
        if not all(isinstance(part, jinja2.nodes.Output) and all(
                isinstance(child, jinja2.nodes.TemplateData) for child in part.nodes)
                   for part in body):
            return None
        return "".join(child.data for part in body for child in part.nodes)  # type: ignore[attr-defined]

    def _write_text(self, text: str, frame: jinja2.compiler.Frame) -> None:
        if frame.buffer is None:
            self.writeline(f"yield {text}")
        else:
            self.writeline(f"{frame.buffer}.append({text})")

    def _output_child_pre(self, node: jinja2.nodes.Expr, frame: jinja2.compiler.Frame,
                          finalize: Any) -> None:
        if frame.eval_ctx.volatile or finalize.src is None:
            super()._output_child_pre(node, frame, finalize)
            return
        # The kept text of a str (not Markup, printed as it is), else Printed works it out
        # (an empty text is worked out again: cheap, and the same).
        _, _, known, number = _LOCALS[0] if frame.eval_ctx.autoescape else _LOCALS[1]
        self.write(f"(({known}(p_value) if (p_type := type(p_value := (")

    def _output_child_post(self, node: jinja2.nodes.Expr, frame: jinja2.compiler.Frame,
                           finalize: Any) -> None:
        if frame.eval_ctx.volatile or finalize.src is None:
            super()._output_child_post(node, frame, finalize)
            return
        _, call, _, number = _LOCALS[0] if frame.eval_ctx.autoescape else _LOCALS[1]
        self.write(f"))) is str else {number}(p_value) if p_type is int else None)"
                   f" or {call}(p_value))")


#: Numbers the loops :class:`TrustedCode` keeps the text of (one per loop compiled).
_LOOPS = itertools.count()

#: What a kept loop's body and else branch may hold: text, values and the expressions of
#: them, conditions and inner loops (no assignment, macro, include, block, context access).
_PURE_NODES = (jinja2.nodes.Output, jinja2.nodes.TemplateData, jinja2.nodes.If,
               jinja2.nodes.For, jinja2.nodes.Name, jinja2.nodes.Getattr, jinja2.nodes.Getitem,
               jinja2.nodes.Const, jinja2.nodes.Tuple, jinja2.nodes.List, jinja2.nodes.CondExpr,
               jinja2.nodes.BinExpr, jinja2.nodes.UnaryExpr, jinja2.nodes.Compare,
               jinja2.nodes.Operand, jinja2.nodes.Concat, jinja2.nodes.Filter,
               jinja2.nodes.Test, jinja2.nodes.Call, jinja2.nodes.Slice, jinja2.nodes.Keyword)


def _reads_only_items(node: jinja2.nodes.For, environment: jinja2.Environment) -> bool:
    """Whether the text of loop ``node`` depends on nothing but its items: it reads no
    name but its targets and ``loop`` (in its body, and inner loops' own in theirs), holds
    only :data:`_PURE_NODES`, and its filters and tests are ones that neither read the
    context nor draw at random."""
    if node.recursive or node.test is not None:
        return False
    return (_pure(node.body, _targets(node) | {"loop"}, environment)
            and _pure(node.else_, set(), environment))


def _pure(parts: Iterable[jinja2.nodes.Node], names: set[str],
          environment: jinja2.Environment) -> bool:
    """Whether ``parts`` read no name but ``names`` (see :func:`_reads_only_items`)."""
    for part in parts:
        if not isinstance(part, _PURE_NODES):
            return False
        if isinstance(part, jinja2.nodes.Name):
            if part.ctx == "load" and part.name not in names:
                return False
            continue
        if isinstance(part, jinja2.nodes.For):
            inner = names | _targets(part) | {"loop"}
            if part.recursive or not (
                    _pure([part.iter], names, environment)
                    and _pure(part.body, inner, environment)
                    and _pure([part.test] if part.test else [], inner, environment)
                    and _pure(part.else_, names, environment)):
                return False
            continue
        if isinstance(part, (jinja2.nodes.Filter, jinja2.nodes.Test)):
            table = environment.filters if isinstance(part, jinja2.nodes.Filter) \
                else environment.tests
            function = table.get(part.name)
            if function is None or part.name == "random" or (
                    getattr(function, "jinja_pass_arg", None) is not None
                    and part.name not in _EVAL_CONTEXT_FILTERS):
                return False
        if not _pure(part.iter_child_nodes(), names, environment):
            return False
    return True


#: Filters that read the evaluation context for its autoescaping alone (fixed for a loop
#: whose autoescaping is not decided while rendering).
_EVAL_CONTEXT_FILTERS = ("join", "escape", "e", "forceescape")


def _targets(node: jinja2.nodes.For) -> set[str]:
    """The names a loop sets for each item (``x`` or ``a, b``)."""
    target = node.target
    return {name.name for name in (target, *target.find_all(jinja2.nodes.Name))
            if isinstance(name, jinja2.nodes.Name)}


# -- pages written as UTF-8 bytes ------------------------------------------------------------

class EncodedMarkup(markupsafe.Markup):
    """Markup that also holds its UTF-8 bytes (a plan's body, printed into its standalone
    page by :class:`EncodedCode`'s code without encoding it again)."""

    utf8: bytes

    @classmethod
    def of(cls, data: bytes) -> EncodedMarkup:
        """The markup whose UTF-8 bytes are ``data``."""
        markup = cls(data.decode("utf-8"))
        markup.utf8 = data
        return markup

    def __reduce__(self) -> tuple[Callable[[bytes], EncodedMarkup], tuple[bytes]]:
        # Sent to another process (a forked writer's bodies) as its bytes alone: pickle
        # would otherwise encode its text to UTF-8 (and send both).
        return _encoded_markup, (self.utf8,)


def _encoded_markup(data: bytes) -> EncodedMarkup:
    return EncodedMarkup.of(data)


class EncodedPrinted:
    """:class:`Printed` in UTF-8: what ``{{ value }}`` prints, as bytes, worked out once per
    distinct text and number."""

    def __init__(self, printed: Printed) -> None:
        self._printed = printed
        #: Read by the compiled code as :class:`Printed`'s are (only ever cleared).
        self.known: dict[str, bytes] = {}
        self.known_numbers: dict[int, bytes] = {}
        EVERY_PRINTED.add(self)

    def __call__(self, value: Any) -> bytes:
        if type(value) is str:
            data = self.known.get(value)
            if data is None:
                if len(self.known) >= OUTPUT_MEMORY:
                    self.known.clear()
                data = self.known[value] = self._printed(value).encode("utf-8")
            return data
        if type(value) is int:
            data = self.known_numbers.get(value)
            if data is None:
                if len(self.known_numbers) >= OUTPUT_MEMORY:
                    self.known_numbers.clear()
                data = self.known_numbers[value] = self._printed(value).encode("utf-8")
            return data
        if type(value) is EncodedMarkup and self._printed._escaped:
            return value.utf8  # HTML prints Markup as it is: its text, already encoded
        return self._printed(value).encode("utf-8")

    @property
    def kept(self) -> int:
        """How many texts are kept."""
        return len(self.known) + len(self.known_numbers)

    def forget(self) -> None:
        """Drop every text kept (they include participants' names)."""
        self.known.clear()
        self.known_numbers.clear()
        self._printed.forget()


class NotEncodable(Exception):
    """A template :class:`EncodedCode` does not compile (its text is then rendered and
    encoded)."""


#: What a template compiled to bytes may hold: no block, inheritance, import, assignment of
#: rendered text, call block, filter block, scope or autoescape switch (each of those makes
#: or passes rendered text as a value, which would be bytes), and no call of a name (it
#: may be a macro, whose text would be bytes).
_NOT_ENCODABLE = (jinja2.nodes.Extends, jinja2.nodes.Block, jinja2.nodes.Import,
                  jinja2.nodes.FromImport, jinja2.nodes.AssignBlock, jinja2.nodes.CallBlock,
                  jinja2.nodes.FilterBlock, jinja2.nodes.Scope, jinja2.nodes.OverlayScope,
                  jinja2.nodes.EvalContextModifier)


class EncodedCode(TrustedCode):
    """:class:`TrustedCode` whose templates and macros give UTF-8 bytes instead of text:
    each constant text is a bytes constant, each printed value is looked up in the
    environment's :class:`EncodedPrinted` memory, kept loop texts are bytes. A page then
    never exists as text, and its text, two bytes a character as soon as it holds one
    character outside Latin-1 (most pages do: a dash in the program's name), is neither
    joined nor encoded.

    The environment must join with ``b"".join`` (``concat``) and print through
    :class:`EncodedPrinted`. Templates holding what cannot be bytes raise
    :class:`NotEncodable` (see :data:`_NOT_ENCODABLE`); a macro's function is called
    directly (Jinja's ``Macro`` wraps its result in Markup)."""

    def visit_Template(self, node: jinja2.nodes.Template,
                       frame: jinja2.compiler.Frame | None = None) -> None:
        for part in node.find_all(_NOT_ENCODABLE):
            raise NotEncodable(f"{type(part).__name__} at line {part.lineno}")
        for call in node.find_all(jinja2.nodes.Call):
            if not isinstance(call.node, jinja2.nodes.Getattr):
                raise NotEncodable(f"a call of a name at line {call.lineno}")
        for include in node.find_all(jinja2.nodes.Include):
            if self._static_text(include) is None:
                raise NotEncodable(f"an include at line {include.lineno}")
        super().visit_Template(node, frame)

    def _output_const_repr(self, group: Iterable[Any]) -> str:
        return repr("".join(map(str, group)).encode("utf-8"))

    def visit_Include(self, node: jinja2.nodes.Include, frame: jinja2.compiler.Frame) -> None:
        text = self._static_text(node)
        if text is None or frame.require_output_check:
            raise NotEncodable(f"an include at line {node.lineno}")
        self._write_text(repr(text.encode("utf-8")), frame)

    def return_buffer_contents(self, frame: jinja2.compiler.Frame,
                               force_unescaped: bool = False) -> None:  # noqa: ARG002
        # Bytes, never Markup (Jinja's code makes Markup of an HTML macro's text).
        self.writeline(f"return concat({frame.buffer})")
