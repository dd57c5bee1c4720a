"""What a person does on the playground page, as Playwright steps."""

from __future__ import annotations

from playwright.sync_api import Page, expect


def be(page: Page, name: str) -> None:
    """Switch the "You are" select to the simulated user whose label starts with ``name``."""
    select = page.get_by_label("You are")
    value = select.locator("option", has_text=name).get_attribute("value")
    select.select_option(value)
    expect(page.locator("#me-email")).to_contain_text(name.split()[0].lower())


def go_to(page: Page, conversation: str) -> None:
    """``conversation`` as the sidebar shows it: "# approvals", "💬 supportbot"."""
    page.locator("#sidebar").get_by_role("button", name=conversation, exact=True).click()
    expect(page.locator("#title")).to_contain_text(conversation)


def say(page: Page, text: str, box: str = "#message") -> None:
    page.locator(box).fill(text)
    page.locator(box).press("Enter")


def last_bot_message(page: Page, pane: str = "#messages"):
    return page.locator(f"{pane} .msg.bot").last


def click_and_confirm(page: Page, button) -> None:
    """Click a Block Kit button; when it carries a confirm dialog, the dialog must show and is accepted."""
    asks = button.get_attribute("data-confirm") is not None
    button.click()
    if asks:
        dialog = page.locator("#confirm")
        expect(dialog).to_be_visible()
        dialog.locator("#confirm-ok").click()
        expect(dialog).to_be_hidden()
