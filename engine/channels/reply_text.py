"""The new part of a reply: quoted history and signatures cut, with ``mail-parser-reply`` (a
maintained port of GitHub's email_reply_parser with many languages) after cutting at the
separators Chinese clients write (QQ Mail, Foxmail, 163/NetEase, Outlook in Chinese), which it
does not know."""

from __future__ import annotations

import re

from mailparser_reply import EmailReplyParser

__all__ = ["reply_part", "is_forward"]

_LANGUAGES = ["en", "zh", "de", "fr", "es", "ja", "ko", "nl", "it"]

#: Lines from which everything below is quoted history.
_HISTORY = re.compile(
    r"^\s*(?:>\s*)?(?:"
    r"-{2,}(?:\s|&nbsp;)*(?:原始邮件|Original Message|Original|回复的原邮件|原邮件)"
    r"(?:\s|&nbsp;)*-{2,}"
    r"|在\s*\d{4}[-/年].{0,80}(?:写道|wrote)\s*[:：]"
    r"|\d{4}[-/年]\d{1,2}[-/月]\d{1,2}日?.{0,60}(?:写道|wrote)\s*[:：]"
    r"|On .{4,200}(?:wrote|schrieb)\s*:"
    r"|(?:发件人|From)\s*[:：].*\n\s*(?:>\s*)?(?:发送时间|时间|日期|Sent|Date)\s*[:：]"
    r"|_{20,}\s*$"
    r")",
    re.M | re.I,
)
#: A sender's device or client line, and what follows it.
_SENT_FROM = re.compile(
    r"^\s*(?:Sent from my \w+|Get Outlook for \w+|发自我的\s*\w+|从我的\s*\S+\s*发送|"
    r"来自\s*(?:网易|QQ)邮箱|发自网易邮箱大师|发自\s*(?:QQ|Foxmail).*)\s*$",
    re.M | re.I,
)
_SIGNATURE = re.compile(r"^-- ?$", re.M)
_FORWARD = re.compile(r"^\s*(?:fwd?|fw|转发|转寄|wg)\s*[:：]", re.I)
_FORWARD_BODY = re.compile(
    r"^\s*(?:-{5,}\s*Forwarded message\s*-{5,}|Begin forwarded message:|"
    r"-{3,}\s*(?:转发邮件信息|转发的邮件|Forwarded)\s*-{3,})", re.M | re.I)


def is_forward(subject: str, text: str) -> bool:
    """Whether a message forwards another (its quoted part is the content, not history)."""
    return bool(_FORWARD.match(subject)) or (
        bool(_FORWARD_BODY.search(text)) and not _HISTORY.search(
            text[: _FORWARD_BODY.search(text).start()]))  # type: ignore[union-attr]


def reply_part(text: str, *, forward: bool = False) -> str:
    """The text the sender wrote in this message. A forward is kept whole; a message that is
    nothing but quotes keeps its text (nothing is thrown away silently)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if forward:
        return text.strip()
    cut = text
    match = _HISTORY.search(cut)
    if match:
        cut = cut[: match.start()]
    match = _SIGNATURE.search(cut)
    if match:
        cut = cut[: match.start()]
    match = _SENT_FROM.search(cut)
    if match:
        cut = cut[: match.start()]
    try:
        parsed = EmailReplyParser(languages=_LANGUAGES).parse_reply(text=cut)
    except (re.error, IndexError, ValueError):  # the library's regexes on odd input
        parsed = cut
    reply = _drop_quoted_lines(parsed if parsed.strip() else cut).strip()
    return reply if reply else text.strip()


def _drop_quoted_lines(text: str) -> str:
    lines = text.split("\n")
    while lines and (lines[-1].lstrip().startswith(">") or not lines[-1].strip()):
        lines.pop()
    return "\n".join(lines)
