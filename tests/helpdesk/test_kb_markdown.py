"""Article bodies are rendered and sanitised on the server: nothing that runs survives."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from portal_app.helpdesk import kb_markdown

ATTACKS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<iframe src=\"https://evil.example\"></iframe>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)><circle/></svg>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](java\tscript:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![img](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![img](javascript:alert(1))",
    "<<script>script>alert(1)<</script>/script>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "<object data=\"https://evil.example/x.swf\"></object><embed src=x>",
    "<form action=https://evil.example><input name=code></form>",
    "<!--<script>alert(1)//-->",
    "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
    "[x](https://example.com \"title\" onclick=\"alert(1)\")",
    "<a href=\"https://example.com\" onmouseover=\"alert(1)\">hover</a>",
]

# What a browser would build from the HTML: every element and attribute, read by a real HTML parser
# (escaped text such as "&lt;script&gt;" is text, not an element).
HARMLESS_TAGS = {"p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "s", "del", "code", "pre",
                 "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td"}
SCHEME = re.compile(r"^\s*([a-z][a-z0-9+.-]*):", re.I)


class Elements(HTMLParser):
    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def assert_inert(html: str) -> None:
    for tag, attrs in Elements(html).found:
        assert tag in HARMLESS_TAGS, html
        for name, value in attrs.items():
            assert not name.startswith("on") and name not in ("style", "srcdoc", "formaction", "xlink:href"), html
            if name in ("href", "src"):
                scheme = SCHEME.match(value or "")
                assert scheme is None or scheme.group(1).lower() in ("http", "https", "mailto"), html
        if tag == "a":
            assert attrs.get("rel") == "noopener noreferrer nofollow" and "target" not in attrs, html


@pytest.mark.parametrize("source", ATTACKS)
def test_attacks_render_inert(source):
    for html in (kb_markdown.render(source), kb_markdown.sanitise(source), kb_markdown.render(f"# Title\n\n{source}")):
        assert_inert(html)


def test_raw_html_typed_in_an_article_shows_as_text():
    assert kb_markdown.render("<script>alert(1)</script>").strip() == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"


def test_the_sanitiser_alone_strips_what_markdown_would_let_through():
    # Even if the Markdown step let raw HTML through, the sanitiser's output is inert.
    html = kb_markdown.sanitise('<p onclick="x">a<script>b</script><iframe src="//e"></iframe>'
                                '<a href="javascript:alert(1)">j</a><a href="data:text/html,x">d</a>'
                                '<img src="https://ok.example/i.png" onerror="y"></p>')
    assert html == ('<p>a<a rel="noopener noreferrer nofollow">j</a><a rel="noopener noreferrer nofollow">d</a>'
                    '<img src="https://ok.example/i.png"></p>')


def test_ordinary_markdown_keeps_its_shape_and_links_get_rel():
    html = kb_markdown.render("## Steps\n\n1. **Open** the [portal](https://portal.example/help)\n2. `code`\n\n"
                              "| a | b |\n|---|---|\n| 1 | 2 |\n\n> quoted ~~old~~")
    assert "<h2>Steps</h2>" in html and "<ol>" in html and "<strong>Open</strong>" in html
    assert '<a href="https://portal.example/help" rel="noopener noreferrer nofollow">portal</a>' in html
    assert "<code>code</code>" in html and "<table>" in html and "<blockquote>" in html and "<s>old</s>" in html
    assert '<a href="mailto:help@example.com" rel="noopener noreferrer nofollow">' in \
        kb_markdown.render("[mail](mailto:help@example.com)")
    # a link's own rel or target cannot be set by the author
    assert 'target=' not in kb_markdown.sanitise('<a href="https://x.example" target="_blank" rel="opener">x</a>')
