"""Slack's two text formats as safe HTML: ``mrkdwn`` (sections, context) and
standard markdown (the ``markdown`` block and streamed answers).

Everything is escaped first; only the markup below becomes tags. Names in
``<@U…>`` and ``<#C…>`` come from a lookup so mentions read as Slack shows them.
"""

from __future__ import annotations

import html
import re
from typing import Callable

Lookup = Callable[[str], str | None]

EMOJI = {
    "white_check_mark": "✅", "no_entry": "⛔", "hourglass": "⌛", "raised_hand": "✋", "eyes": "👀",
    "heavy_minus_sign": "➖", "warning": "⚠️", "x": "❌", "thumbsup": "👍", "+1": "👍", "thumbsdown": "👎",
    "-1": "👎", "package": "📦", "moneybag": "💰", "rewind": "⏪", "wave": "👋", "tada": "🎉",
    "hourglass_flowing_sand": "⏳", "speech_balloon": "💬", "mag": "🔍", "robot_face": "🤖",
    "house": "🏠", "information_source": "ℹ️", "bust_in_silhouette": "👤", "memo": "📝",
}
_EMOJI = re.compile(r":([a-z0-9_+-]+):")
_ANGLE = re.compile(r"<([^<>\n]+)>")
_FENCE = re.compile(r"```\n?(.*?)```", re.S)
_CODE = re.compile(r"`([^`\n]+)`")


def emoji(text: str) -> str:
    return _EMOJI.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), text)


def _angle(token: str, names: Lookup) -> str:
    """One ``<…>`` of Slack's message formatting, already HTML."""
    target, _, label = token.partition("|")
    if target.startswith("@"):
        name = names(target[1:]) or label or target[1:]
        return f'<span class="mention">@{html.escape(name)}</span>'
    if target.startswith("#"):
        name = label or names(target[1:]) or target[1:]
        return f'<span class="mention">#{html.escape(name)}</span>'
    if target.startswith("!date^"):
        return html.escape(label or target)
    if target.startswith("!subteam^"):
        return f'<span class="mention">{html.escape(label or "@group")}</span>'
    if target.startswith("!"):
        return f'<span class="mention">@{html.escape(target[1:])}</span>'
    if re.match(r"(https?|mailto):", target):
        return _link(target, label or target)
    return html.escape(f"<{token}>")


def _link(url: str, label: str) -> str:
    return f'<a href="{html.escape(url, quote=True)}" target="_blank" rel="noopener">{html.escape(label)}</a>'


def _with_angles(text: str, names: Lookup, styles: Callable[[str], str]) -> str:
    """``<@U…>``, ``<#C…>``, ``<url|label>`` as mentions and links; the rest escaped, then styled."""
    out, last = [], 0
    for match in _ANGLE.finditer(text):
        out.append(styles(html.escape(text[last:match.start()], quote=False)))
        out.append(_angle(html.unescape(match.group(1)), names))
        last = match.end()
    out.append(styles(html.escape(text[last:], quote=False)))
    return "".join(out)


def _inline_mrkdwn(text: str, names: Lookup) -> str:
    return _with_angles(text, names, _styles)


def _outside_code(escaped: str, style: Callable[[str], str]) -> str:
    """``style`` applied to the text between `inline code` spans, which stay as they are."""
    parts = _CODE.split(escaped)  # odd items are inline code
    return "".join(f"<code>{part}</code>" if i % 2 else emoji(style(part)) for i, part in enumerate(parts))


def _mrkdwn_styles(chunk: str) -> str:
    chunk = re.sub(r"(?<![\w*])\*(?!\s)([^*\n]+?)\*(?![\w*])", r"<b>\1</b>", chunk)
    chunk = re.sub(r"(?<![\w_])_(?!\s)([^_\n]+?)_(?![\w_])", r"<i>\1</i>", chunk)
    return re.sub(r"(?<![\w~])~(?!\s)([^~\n]+?)~(?![\w~])", r"<s>\1</s>", chunk)


def _styles(escaped: str) -> str:
    return _outside_code(escaped, _mrkdwn_styles)


def mrkdwn(text: str, names: Lookup = lambda _: None) -> str:
    """Slack mrkdwn: *bold*, _italic_, ~strike~, `code`, ``` blocks, <links|…>, mentions, :emoji:."""
    pieces, last = [], 0
    for match in _FENCE.finditer(text or ""):
        pieces.append(_inline_mrkdwn(text[last:match.start()], names).replace("\n", "<br>"))
        pieces.append(f"<pre>{html.escape(match.group(1))}</pre>")
        last = match.end()
    pieces.append(_inline_mrkdwn((text or "")[last:], names).replace("\n", "<br>"))
    return "".join(pieces)


def plain(text: str) -> str:
    return emoji(html.escape(text or ""))


# -- standard markdown ---------------------------------------------------------------

_MD_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^)\s]+)\)")


def _markdown_styles(chunk: str) -> str:
    chunk = _MD_LINK.sub(lambda m: _link(html.unescape(m.group(2)), html.unescape(m.group(1))), chunk)
    chunk = re.sub(r"\*\*(?!\s)(.+?)\*\*", r"<b>\1</b>", chunk)
    chunk = re.sub(r"(?<![\w*])[*_](?!\s)([^*_\n]+?)[*_](?![\w*])", r"<i>\1</i>", chunk)
    return re.sub(r"~~(.+?)~~", r"<s>\1</s>", chunk)


def _inline_markdown(line: str, names: Lookup) -> str:
    return _with_angles(line, names, lambda escaped: _outside_code(escaped, _markdown_styles))


def markdown(text: str, names: Lookup = lambda _: None) -> str:
    """Paragraphs, headings, bullet and numbered lists, code fences, links, bold, italic."""
    out: list[str] = []
    lines = (text or "").split("\n")
    i, paragraph, listing = 0, [], None

    def close_paragraph() -> None:
        if paragraph:
            out.append("<p>" + "<br>".join(paragraph) + "</p>")
            paragraph.clear()

    def close_list() -> None:
        nonlocal listing
        if listing:
            out.append(f"</{listing}>")
            listing = None

    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            close_paragraph(), close_list()
            body, i = [], i + 1
            while i < len(lines) and not lines[i].startswith("```"):
                body.append(lines[i])
                i += 1
            out.append(f"<pre>{html.escape(chr(10).join(body))}</pre>")
        elif m := re.match(r"^(#{1,6})\s+(.*)", line):
            close_paragraph(), close_list()
            out.append(f"<h4>{_inline_markdown(m.group(2), names)}</h4>")
        elif m := re.match(r"^\s*(?:([-*+])|(\d+)[.)])\s+(.*)", line):
            close_paragraph()
            kind = "ul" if m.group(1) else "ol"
            if listing != kind:
                close_list()
                out.append(f"<{kind}>")
                listing = kind
            out.append(f"<li>{_inline_markdown(m.group(3), names)}</li>")
        elif not line.strip():
            close_paragraph(), close_list()
        else:
            close_list()
            paragraph.append(_inline_markdown(line, names))
        i += 1
    close_paragraph(), close_list()
    return "".join(out)
