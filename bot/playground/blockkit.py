"""Block Kit as HTML for the playground page: every block the bot sends, shown.

Known blocks and elements get Slack-like markup; anything else is shown as its
JSON, never dropped, so a teammate's new block type is visible before anyone
teaches the page about it. Interactive elements carry their action as a JSON
``data-action`` attribute (and a confirm dialog as ``data-confirm``); the page's
script turns a click into the ``block_actions`` request Slack would send.
"""

from __future__ import annotations

import html
import json

from bot.playground.text import Lookup, markdown, mrkdwn, plain


def _attr(value) -> str:
    return html.escape(json.dumps(value, separators=(",", ":")), quote=True)


def unknown(thing: dict) -> str:
    kind = html.escape(str(thing.get("type", "?")))
    body = html.escape(json.dumps(thing, indent=2, ensure_ascii=False))
    return f'<details class="bk-unknown" open><summary>{kind} (shown as JSON)</summary><pre>{body}</pre></details>'


class Renderer:
    def __init__(self, names: Lookup = lambda _: None) -> None:
        self.names = names

    # -- text objects ------------------------------------------------------
    def text(self, obj) -> str:
        if isinstance(obj, str):
            return mrkdwn(obj, self.names)
        if not isinstance(obj, dict):
            return ""
        if obj.get("type") == "mrkdwn":
            return mrkdwn(obj.get("text", ""), self.names)
        return plain(obj.get("text", ""))

    # -- blocks ------------------------------------------------------------
    def blocks(self, blocks: list | None) -> str:
        return "".join(self.block(b) for b in blocks or [])

    def block(self, block) -> str:
        if not isinstance(block, dict):
            return unknown({"type": "not a block", "value": block})
        draw = getattr(self, "_block_" + str(block.get("type")), None)
        return draw(block) if draw else unknown(block)

    def _block_section(self, b: dict) -> str:
        body = f'<div class="bk-text">{self.text(b["text"])}</div>' if b.get("text") else ""
        if b.get("fields"):
            body += '<div class="bk-fields">' + "".join(
                f'<div class="bk-field">{self.text(f)}</div>' for f in b["fields"]) + "</div>"
        side = f'<div class="bk-accessory">{self.element(b["accessory"], b)}</div>' if b.get("accessory") else ""
        return f'<div class="bk-section"><div class="bk-main">{body}</div>{side}</div>'

    def _block_markdown(self, b: dict) -> str:
        return f'<div class="bk-markdown">{markdown(b.get("text", ""), self.names)}</div>'

    def _block_header(self, b: dict) -> str:
        return f'<h3 class="bk-header">{self.text(b.get("text"))}</h3>'

    def _block_divider(self, b: dict) -> str:
        return '<hr class="bk-divider">'

    def _block_image(self, b: dict) -> str:
        return self._image(b) + (f'<div class="bk-caption">{self.text(b["title"])}</div>' if b.get("title") else "")

    def _image(self, obj: dict) -> str:
        url = obj.get("image_url") or (obj.get("slack_file") or {}).get("url") or ""
        return (f'<img class="bk-image" src="{html.escape(url, quote=True)}" '
                f'alt="{html.escape(obj.get("alt_text", ""), quote=True)}">')

    def _block_context(self, b: dict) -> str:
        items = "".join(self._image(e) if isinstance(e, dict) and e.get("type") == "image"
                        else f"<span>{self.text(e)}</span>" for e in b.get("elements", []))
        return f'<div class="bk-context">{items}</div>'

    def _block_actions(self, b: dict) -> str:
        return '<div class="bk-actions">' + "".join(self.element(e, b) for e in b.get("elements", [])) + "</div>"

    _block_context_actions = _block_actions

    def _block_input(self, b: dict) -> str:
        optional = ' <span class="bk-optional">(optional)</span>' if b.get("optional") else ""
        hint = f'<div class="bk-hint">{self.text(b["hint"])}</div>' if b.get("hint") else ""
        block_id = html.escape(str(b.get("block_id", "")), quote=True)
        return (f'<label class="bk-input" data-block-id="{block_id}"><span class="bk-label">'
                f'{self.text(b.get("label"))}{optional}</span>{self.element(b.get("element") or {}, b)}'
                f'<span class="bk-error" hidden></span>{hint}</label>')

    def _block_rich_text(self, b: dict) -> str:
        return '<div class="bk-rich">' + "".join(self._rich(e) for e in b.get("elements", [])) + "</div>"

    def _rich(self, e: dict) -> str:
        kind = e.get("type")
        if kind in ("rich_text_section", "rich_text_quote", "rich_text_preformatted"):
            tag = {"rich_text_section": "p", "rich_text_quote": "blockquote", "rich_text_preformatted": "pre"}[kind]
            return f"<{tag}>" + "".join(self._rich_leaf(x) for x in e.get("elements", [])) + f"</{tag}>"
        if kind == "rich_text_list":
            tag = "ol" if e.get("style") == "ordered" else "ul"
            return f"<{tag}>" + "".join(f"<li>{self._rich(x)}</li>" for x in e.get("elements", [])) + f"</{tag}>"
        return unknown(e)

    def _rich_leaf(self, x: dict) -> str:
        kind = x.get("type")
        if kind == "text":
            out = plain(x.get("text", "")).replace("\n", "<br>")
            style = x.get("style") or {}
            for key, tag in (("code", "code"), ("bold", "b"), ("italic", "i"), ("strike", "s")):
                if style.get(key):
                    out = f"<{tag}>{out}</{tag}>"
            return out
        if kind == "link":
            return mrkdwn(f"<{x.get('url', '')}|{x.get('text') or x.get('url', '')}>")
        if kind == "user":
            return mrkdwn(f"<@{x.get('user_id', '')}>", self.names)
        if kind == "channel":
            return mrkdwn(f"<#{x.get('channel_id', '')}>", self.names)
        if kind == "emoji":
            return plain(f":{x.get('name', '')}:")
        return unknown(x)

    # -- elements ----------------------------------------------------------
    def element(self, e: dict, block: dict) -> str:
        if not isinstance(e, dict):
            return unknown({"type": "not an element", "value": e})
        draw = getattr(self, "_el_" + str(e.get("type")), None)
        return draw(e, block) if draw else unknown(e)

    def _action(self, e: dict, block: dict, **extra) -> str:
        action = {"action_id": e.get("action_id", ""), "block_id": block.get("block_id", ""),
                  "type": e.get("type"), **extra}
        attrs = f' data-action="{_attr(action)}"'
        if e.get("confirm"):
            attrs += f' data-confirm="{_attr(self.confirm(e["confirm"]))}"'
        return attrs

    def confirm(self, c: dict) -> dict:
        """A confirm dialog object, its text already HTML."""
        return {"title": self.text(c.get("title") or {"type": "plain_text", "text": "Are you sure?"}),
                "text": self.text(c.get("text")),
                "confirm": plain((c.get("confirm") or {}).get("text", "Yes")),
                "deny": plain((c.get("deny") or {}).get("text", "Cancel")),
                "style": c.get("style", "")}

    def _el_button(self, e: dict, block: dict) -> str:
        style = f" bk-{html.escape(e['style'])}" if e.get("style") in ("primary", "danger") else ""
        label = self.text(e.get("text"))
        if e.get("url"):
            return (f'<a class="bk-button{style}" href="{html.escape(e["url"], quote=True)}" target="_blank" '
                    f'rel="noopener"{self._action(e, block, value=e.get("value"))}>{label}</a>')
        return f'<button type="button" class="bk-button{style}"{self._action(e, block, value=e.get("value"))}>{label}</button>'

    def _el_feedback_buttons(self, e: dict, block: dict) -> str:
        out = []
        for key, icon in (("positive_button", "👍"), ("negative_button", "👎")):
            button = e.get(key) or {}
            label = plain(button.get("accessibility_label") or (button.get("text") or {}).get("text", key))
            out.append(f'<button type="button" class="bk-feedback" title="{label}" aria-label="{label}"'
                       f'{self._action(e, block, value=button.get("value"))}>{icon} {self.text(button.get("text"))}</button>')
        return '<span class="bk-feedback-buttons">' + "".join(out) + "</span>"

    def _el_icon_button(self, e: dict, block: dict) -> str:
        return (f'<button type="button" class="bk-button bk-icon"{self._action(e, block, value=e.get("value"))}>'
                f'{plain(":" + str(e.get("icon", "")) + ":")} {self.text(e.get("text"))}</button>')

    def _options(self, e: dict) -> list[dict]:
        options = list(e.get("options") or [])
        for group in e.get("option_groups") or []:
            options.extend(group.get("options") or [])
        return options

    def _el_static_select(self, e: dict, block: dict) -> str:
        chosen = (e.get("initial_option") or {}).get("value")
        placeholder = html.escape((e.get("placeholder") or {}).get("text", "Choose…"))
        options = [f'<option value="" disabled{"" if chosen else " selected"}>{placeholder}</option>'] + [
            f'<option value="{html.escape(str(o.get("value")), quote=True)}"'
            f'{" selected" if o.get("value") == chosen else ""}>{plain((o.get("text") or {}).get("text", ""))}</option>'
            for o in self._options(e)]
        return f'<select class="bk-select"{self._action(e, block)}{self._input(e, block)}>{"".join(options)}</select>'

    def _el_overflow(self, e: dict, block: dict) -> str:
        options = ['<option value="" selected disabled>⋯</option>'] + [
            f'<option value="{html.escape(str(o.get("value")), quote=True)}">{plain((o.get("text") or {}).get("text", ""))}</option>'
            for o in self._options(e)]
        return f'<select class="bk-select bk-overflow"{self._action(e, block)}>{"".join(options)}</select>'

    def _input(self, e: dict, block: dict) -> str:
        """Marks an element whose value a view_submission (or block_actions state) carries."""
        if block.get("type") != "input" and not e.get("action_id"):
            return ""
        return f' data-input="{_attr({"block_id": block.get("block_id", ""), "action_id": e.get("action_id", ""), "type": e.get("type")})}"'

    def _el_plain_text_input(self, e: dict, block: dict) -> str:
        value = html.escape(str(e.get("initial_value") or ""), quote=True)
        placeholder = html.escape((e.get("placeholder") or {}).get("text", ""), quote=True)
        if e.get("multiline"):
            return f'<textarea rows="3" placeholder="{placeholder}"{self._input(e, block)}>{value}</textarea>'
        return f'<input type="text" value="{value}" placeholder="{placeholder}"{self._input(e, block)}>'

    def _el_number_input(self, e: dict, block: dict) -> str:
        value = html.escape(str(e.get("initial_value") or ""), quote=True)
        return f'<input type="number" step="any" value="{value}"{self._input(e, block)}>'

    def _el_email_text_input(self, e: dict, block: dict) -> str:
        value = html.escape(str(e.get("initial_value") or ""), quote=True)
        return f'<input type="email" value="{value}"{self._input(e, block)}>'

    def _el_datepicker(self, e: dict, block: dict) -> str:
        value = html.escape(str(e.get("initial_date") or ""), quote=True)
        return f'<input type="date" value="{value}"{self._input(e, block)}>'

    def _choices(self, e: dict, block: dict, kind: str) -> str:
        initial = e.get("initial_options") or ([e["initial_option"]] if e.get("initial_option") else [])
        chosen = {o.get("value") for o in initial}
        name = html.escape(f'{block.get("block_id", "")}/{e.get("action_id", "")}', quote=True)
        rows = [f'<label class="bk-choice"><input type="{kind}" name="{name}" '
                f'value="{html.escape(str(o.get("value")), quote=True)}"{" checked" if o.get("value") in chosen else ""}> '
                f'{self.text(o.get("text"))}</label>' for o in self._options(e)]
        return f'<span class="bk-choices"{self._input(e, block)}>{"".join(rows)}</span>'

    def _el_checkboxes(self, e: dict, block: dict) -> str:
        return self._choices(e, block, "checkbox")

    def _el_radio_buttons(self, e: dict, block: dict) -> str:
        return self._choices(e, block, "radio")

    def _el_image(self, e: dict, block: dict) -> str:
        return self._image(e)

    # -- whole surfaces ----------------------------------------------------
    def view(self, view: dict) -> dict:
        """A modal or Home view: its parts as HTML for the page to frame."""
        return {"title": self.text(view.get("title")), "blocks": self.blocks(view.get("blocks")),
                "submit": self.text(view.get("submit")) if view.get("submit") else "",
                "close": self.text(view.get("close")) if view.get("close") else plain("Close")}

    def message(self, message: dict) -> str:
        """A message's body: its blocks, or its text as mrkdwn when it has none."""
        if message.get("blocks"):
            return self.blocks(message["blocks"])
        if message.get("streamed"):  # chat.*Stream text is markdown
            return f'<div class="bk-markdown">{markdown(message.get("text", ""), self.names)}</div>'
        return f'<div class="bk-text">{mrkdwn(message.get("text", ""), self.names)}</div>'
