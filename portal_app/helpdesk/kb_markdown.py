"""Article bodies: Markdown rendered to HTML on the server, then sanitised, before any page shows it.

Two well-kept libraries, each enough on its own for the common attacks, in series:
- markdown-it-py (CommonMark) with raw HTML switched off: `<script>` typed in an article becomes text,
  and its link check refuses `javascript:`, `vbscript:`, `file:` and most `data:` addresses;
- nh3 (the Rust `ammonia` sanitiser) on its output: only the tags and attributes below survive, link
  and image addresses must be http(s) or mailto (links also relative ones), every `on*` attribute,
  `style`, `<script>`, `<iframe>`, `<object>`, `<svg>` and `<form>` are removed, and every link gets
  `rel="noopener noreferrer nofollow"`.
The result is what `rx.html` puts in the page."""

from __future__ import annotations

import html
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

BODY_MAX_CHARS = 50_000

ALLOWED_TAGS = frozenset({
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "s", "del", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
})
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer nofollow"

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table") \
    .enable("strikethrough")


def sanitise(html: str) -> str:
    """Keep only harmless markup (see the module's note); anything else is dropped or escaped."""
    return nh3.clean(html, tags=set(ALLOWED_TAGS), attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
                     url_schemes=set(URL_SCHEMES), link_rel=LINK_REL, strip_comments=True)


@lru_cache(maxsize=256)
def render(markdown: str) -> str:
    """An article body as safe HTML. Cached: articles are read far more often than written."""
    return sanitise(_md.render((markdown or "")[:BODY_MAX_CHARS]))


def plain_excerpt(markdown: str, length: int = 160) -> str:
    """A line of plain text from the start of a body (suggestions, lists): no markup at all."""
    # Tags dropped, then entities decoded: the page escapes the text itself.
    text = " ".join(html.unescape(nh3.clean(_md.render((markdown or "")[:4000]), tags=set())).split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"
