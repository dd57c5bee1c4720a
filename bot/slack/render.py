"""Pure Block Kit builders. Markdown is rendered by Slack's own ``markdown`` block."""

from __future__ import annotations

from slack_sdk.models.blocks import MarkdownBlock

# Slack caps a markdown block (and the markdown of one message) at 12,000
# characters; stay under it with room for the fallback text.
MAX_MARKDOWN = 11_000
MAX_FALLBACK = 3_000


def split_markdown(text: str, limit: int = MAX_MARKDOWN) -> list[str]:
    """Split at paragraph, then line, then word boundaries; never inside a code fence line."""
    text = text.strip()
    if not text:
        return []
    chunks: list[str] = []
    while len(text) > limit:
        cut = _cut_point(text, limit)
        head, text = text[:cut].rstrip(), text[cut:].lstrip("\n")
        if head.count("```") % 2 == 1:  # keep code blocks balanced across messages
            head += "\n```"
            text = "```\n" + text
        chunks.append(head)
    chunks.append(text)
    return chunks


def _cut_point(text: str, limit: int) -> int:
    for sep in ("\n\n", "\n", " "):
        cut = text.rfind(sep, 0, limit)
        if cut > limit // 2:
            return cut
    return limit


def build_reply(markdown: str) -> dict:
    """Arguments for chat.postMessage / chat.update for one chunk of an answer."""
    fallback = markdown if len(markdown) <= MAX_FALLBACK else markdown[: MAX_FALLBACK - 1] + "…"
    return {"text": fallback, "blocks": [MarkdownBlock(text=markdown).to_dict()]}
