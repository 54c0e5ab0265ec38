"""Email templates rendered once per language, then filled in for each email.

During a surge the worker mails thousands of confirmations a minute from the same three
templates, and Django's template engine (a context, a ``blocktranslate`` with its gettext
lookup, escaping, for every node of every email) was most of the worker's time. A template
whose output depends on its variables only by putting them in place (``{{ name }}``, plain
``blocktranslate`` blocks, constant ``translate`` strings, text, ``load``, ``autoescape``) is
the same text for every email apart from those places. So such a template is rendered once
per language and set of variables, with a marker in each variable, and cut at the markers;
an email is then the cut pieces joined with its own values, each escaped exactly where
Django would have escaped it.

Anything else in a template (``if``, ``for``, a filter, an attribute lookup, a plural, a
variable ``translate``) may depend on the values in other ways, so a template using it is
rendered in full for every email, as before. So is every template in DEBUG, where a template
may change under a running worker. ``tests/test_outbox_rendering.py`` checks that both ways
give the same text for every email template.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.template import Context, Engine, NodeList, Variable
from django.template.base import FilterExpression, TextNode, VariableNode
from django.template.defaulttags import AutoEscapeControlNode, CommentNode, LoadNode
from django.templatetags.i18n import BlockTranslateNode, TranslateNode
from django.utils import translation
from django.utils.html import escape

# A marker for variable number N: private-use characters that no template text contains,
# around an "&" that HTML escaping turns into "&amp;", which tells whether Django escaped
# the variable at that place.
_MARK_OPEN, _MARK_CLOSE = "\ue000", "\ue001"
_MARK = re.compile(f"{_MARK_OPEN}(\\d+)(&amp;|&){_MARK_CLOSE}")


def _constant(expression: FilterExpression | None) -> bool:
    return expression is None or (
        not expression.filters
        and isinstance(expression.var, Variable)
        and expression.var.literal is not None
    )


# Node types whose output is text, a plain value or constant; subclasses may render otherwise.
_PLAIN_NODES = (TextNode, LoadNode, CommentNode)
_CHECKED_NODES = (AutoEscapeControlNode, VariableNode, TranslateNode, BlockTranslateNode)


def _substitutions_only(nodelist: NodeList) -> bool:
    """True when the nodes' output depends on the context only by inserting plain values."""
    for node in nodelist:
        if type(node) in _PLAIN_NODES:
            continue
        if type(node) not in _CHECKED_NODES:
            return False
        if isinstance(node, AutoEscapeControlNode):
            if not _substitutions_only(node.nodelist):
                return False
        elif isinstance(node, VariableNode):
            expression = node.filter_expression
            variable = expression.var
            if expression.filters or not isinstance(variable, Variable):
                return False
            if variable.literal is None and len(variable.lookups or ()) != 1:
                return False
        elif isinstance(node, TranslateNode):
            if node.asvar or not _constant(node.filter_expression):
                return False
            if not _constant(node.message_context):
                return False
        elif isinstance(node, BlockTranslateNode):
            if node.plural or node.countervar or node.counter or node.extra_context:
                return False
            if node.asvar or not _constant(node.message_context):
                return False
    return True


@lru_cache(maxsize=512)
def _pieces(
    name: str, language: str, keys: tuple[str, ...], autoescape: bool
) -> tuple[tuple[str, ...], tuple[tuple[int, bool], ...]] | None:
    """The template's text cut at its variables: (texts, (variable index, escaped) per cut).

    None when the template cannot be filled in this way.
    """
    template = Engine.get_default().get_template(name)
    if not _substitutions_only(template.nodelist):
        return None
    marked = {key: f"{_MARK_OPEN}{index}&{_MARK_CLOSE}" for index, key in enumerate(keys)}
    with translation.override(language):
        text = str(template.render(Context(marked, autoescape=autoescape)))
    parts = _MARK.split(text)
    texts = tuple(parts[0::3])
    if any(_MARK_OPEN in piece or _MARK_CLOSE in piece for piece in texts):
        return None  # a marker that came out changed: render in full
    slots = tuple(
        (int(index), amp == "&amp;") for index, amp in zip(parts[1::3], parts[2::3], strict=True)
    )
    return texts, slots


def template_render(name: str, context: dict[str, Any], *, autoescape: bool) -> str:
    """Render ``name`` with ``context`` in the active language, as Django would."""
    keys = tuple(sorted(context))
    pieces = None
    if not settings.DEBUG and all(type(value) is str for value in context.values()):
        language = translation.get_language() or settings.LANGUAGE_CODE
        pieces = _pieces(name, language, keys, autoescape)
    if pieces is None:
        template = Engine.get_default().get_template(name)
        return str(template.render(Context(context, autoescape=autoescape)))
    texts, slots = pieces
    values = [context[key] for key in keys]
    out = [texts[0]]
    for (index, escaped), text in zip(slots, texts[1:], strict=True):
        value = values[index]
        out.append(escape(value) if escaped else value)
        out.append(text)
    return "".join(out)
