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
  :class:`Printed`, and yields the pieces of text between two tags as one string.

Where Jinja's ``getattr`` finds the attribute it returns what Python's does, so a render
that finishes prints what Jinja's code prints. A render that raises (an attribute that is
missing, a dict where a record was expected, an undefined value) may raise elsewhere than
Jinja's code would: the caller (:class:`~matcher.outputs.templating.Templates`) then renders
the same template with Jinja's own code, which prints or raises exactly what it always did.
"""

from __future__ import annotations

import keyword
import weakref
from collections.abc import Callable
from typing import Any

import jinja2
import jinja2.compiler
import jinja2.nodes
import markupsafe

#: Distinct texts whose printed form an environment keeps (then it starts again): a run
#: prints the same labels, agenda items and names thousands of times.
OUTPUT_MEMORY = 100_000


class Printed:
    """What ``{{ value }}`` prints in one environment: ``escape(finalize(value))`` (HTML) or
    ``str(finalize(value))``, worked out once per distinct text (other values each time)."""

    def __init__(self, finalize: Callable[[Any], Any], escaped: bool) -> None:
        self._finalize = finalize
        self._convert: Callable[[Any], str] = markupsafe.escape if escaped else str
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
                printed = self.known[value] = self._convert(self._finalize(value))
            return printed
        if type(value) is int:  # meeting numbers and months: the same few, over and over
            printed = self.known_numbers.get(value)
            if printed is None:
                printed = self.known_numbers[value] = self._convert(self._finalize(value))
            return printed
        return self._convert(self._finalize(value))

    def forget(self) -> None:
        """Drop every text kept (they include participants' names)."""
        self.known.clear()
        self.known_numbers.clear()


#: Every :class:`Printed` alive (their memories are dropped after each run folder).
EVERY_PRINTED: weakref.WeakSet[Printed] = weakref.WeakSet()


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
    docstring): plain attribute access, printed texts looked up in place, and the pieces
    of text between two tags yielded as one string."""

    def write_commons(self) -> None:
        super().write_commons()
        for attribute, call, known, number in _LOCALS:
            self.writeline(f"{call} = environment.{attribute}")
            self.writeline(f"{known} = {call}.known.get")
            self.writeline(f"{number} = {call}.known_numbers.get")
        self.writeline("p_builtin = type(len)")

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

    def visit_Output(self, node: jinja2.nodes.Output, frame: jinja2.compiler.Frame) -> None:
        finalize = self._make_finalize()
        if (frame.buffer is not None or frame.require_output_check or frame.eval_ctx.volatile
                or finalize.src is None or finalize.const is None):
            super().visit_Output(node, frame)
            return
        # Jinja yields each piece; here one string of them all (each piece is text:
        # template data or a printed value). A buffered frame (a macro) already joins.
        # Constants are worked out now, as Jinja's visit_Output does.
        body: list[list[Any] | jinja2.nodes.Expr] = []
        for child in node.nodes:
            try:
                const = self._output_child_to_const(child, frame, finalize)
            except Exception:  # not constant (or an error Jinja also leaves to the render)
                body.append(child)
                continue
            if body and isinstance(body[-1], list):
                body[-1].append(const)
            else:
                body.append([const])
        if len(body) < 2:
            super().visit_Output(node, frame)
            return
        self.writeline("yield concat((")
        self.indent()
        for item in body:
            if isinstance(item, list):
                self.writeline(self._output_const_repr(item) + ",")
            else:
                self.newline(item)
                self._output_child_pre(item, frame, finalize)
                self.visit(item, frame)
                self._output_child_post(item, frame, finalize)
                self.write(",")
        self.outdent()
        self.writeline("))")
