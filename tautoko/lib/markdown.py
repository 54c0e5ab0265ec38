"""Markdown for petition statements: a small subset, rendered then sanitised."""

from __future__ import annotations

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

# No raw HTML, no images, no tables: paragraphs, emphasis, lists, quotes and links.
_renderer = MarkdownIt(
    "commonmark", {"html": False, "linkify": False, "typographer": False}
).disable(["image", "html_block", "html_inline", "table"], ignoreInvalid=True)

_ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "a", "code", "h3", "h4"}


def markdown_render(text: str) -> SafeString:
    html = _renderer.render(text)
    clean = nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer ugc",
    )
    # nh3 has just sanitised it.
    return mark_safe(clean)  # noqa: S308  # nosec B308 B703
