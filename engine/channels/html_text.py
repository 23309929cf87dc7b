"""HTML mail to plain text that is safe to store and show: no markup, no scripts, no styles,
links spelled out, images named, quoted history marked with ``>`` so reply extraction can cut
it."""

from __future__ import annotations

import re
from html.parser import HTMLParser

__all__ = ["html_to_text"]

_BLOCK = {"p", "div", "section", "article", "header", "footer", "table", "tr", "ul", "ol",
          "h1", "h2", "h3", "h4", "h5", "h6", "pre", "hr", "center", "form", "address"}
_SKIP = {"script", "style", "head", "title", "template", "noscript", "svg", "object",
         "iframe", "xml"}
#: Markers clients put around the quoted history of a reply (Gmail, Outlook, Apple, QQ,
#: Yahoo, Thunderbird): everything inside is quoted.
_QUOTE_MARKERS = re.compile(
    r"gmail_quote|gmail_extra|divRplyFwdMsg|appendonsend|OLK_SRC_BODY_SECTION|yahoo_quoted|"
    r"moz-cite-prefix|original-content|x_divRplyFwdMsg|ntes-mailmaster-quote|"
    r"QQMailOriginalContent|mail-quote", re.I)


class _TextMaker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0
        self.quote = 0
        self.stack: list[tuple[str, bool]] = []  # (tag, opened a quote)
        self.href: list[str | None] = []
        self.link_text: list[str] = []
        self.pre = 0

    def newline(self) -> None:
        self.out.append("\n")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag in _SKIP:
            self.skip += 1
            return
        if tag in ("br",):
            self.newline()
            return
        if tag == "img":
            alt = a.get("alt") or a.get("title") or ""
            src = a.get("src", "")
            name = alt or (src[4:] if src.lower().startswith("cid:") else "")
            self.out.append(f"[image: {name}]" if name else "[image]")
            return
        quotes = tag == "blockquote" or bool(
            _QUOTE_MARKERS.search(a.get("class", "") + " " + a.get("id", "")))
        if tag in ("meta", "link", "input", "wbr", "col", "area", "base", "source"):
            return
        self.stack.append((tag, quotes))
        if quotes:
            self.quote += 1
            self.newline()
        if tag in _BLOCK or tag in ("li", "blockquote", "td", "th"):
            self.newline()
        if tag == "li":
            self.out.append("- ")
        if tag == "pre":
            self.pre += 1
        if tag == "a":
            self.href.append(a.get("href"))
            self.link_text.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
            return
        while self.stack:
            open_tag, quotes = self.stack.pop()
            if quotes:
                self.quote = max(0, self.quote - 1)
            if open_tag == "a" and self.href:
                href, text = self.href.pop(), self.link_text.pop()
                if href and href.startswith(("http://", "https://", "mailto:")) and \
                        href.removeprefix("mailto:") not in text:
                    self.out.append(f" ({href})")
            if open_tag == "pre":
                self.pre = max(0, self.pre - 1)
            if open_tag in _BLOCK or open_tag in ("blockquote", "tr"):
                self.newline()
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        text = data if self.pre else re.sub(r"[ \t\r\n\f]+", " ", data)
        if self.link_text:
            self.link_text[-1] += text
        if self.quote:
            text = text.replace("\n", "\n" + "> " * self.quote)
            if not self.out or self.out[-1].endswith("\n"):
                text = "> " * self.quote + text.lstrip()
        self.out.append(text)


def html_to_text(html: str) -> str:
    """Plain text of an HTML body (quoted history prefixed with ``> ``)."""
    maker = _TextMaker()
    try:
        maker.feed(html)
        maker.close()
    except (AssertionError, ValueError):  # pathological markup: keep what was read
        pass
    text = "".join(maker.out).replace("\xa0", " ")
    lines = [line.rstrip() for line in text.split("\n")]
    # Quote every line of a quoted block, including those that started inside a text run.
    cleaned: list[str] = []
    for line in lines:
        stripped = line.strip()
        if stripped in (">", "> >", "> > >"):
            stripped = ""
        cleaned.append(line.lstrip() if not stripped.startswith(">") else stripped)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(cleaned)).strip()
