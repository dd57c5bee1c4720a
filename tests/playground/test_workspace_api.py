"""The playground's Web API through slack_sdk's own client, its state kept in either database,
and the signed requests it sends being the only way in."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import load_settings
from bot.playground.runtime import running_playground
from tests.support.fixtures import database_fixture


database_url = database_fixture("sqlite", "postgres")


def settings_for(url: str):
    return load_settings(database_url=url, openai_api_key=None, supportbot_approval_channel=None)


async def page_get(playground, path: str, user: str = "UADA") -> dict:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{playground.root_url}/play/{path}", params={"user": user}) as response:
            return await response.json()


async def until(check, attempts: int = 600) -> None:
    """Poll an async check (bounded: a stuck bot fails the test instead of hanging it)."""
    for _ in range(attempts):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the playground never got there")


async def _inbox_empty(playground) -> bool:
    return (await playground.service.inbox.depth())[0] == 0


async def _ephemerals(playground, channel: str, user: str) -> list:
    return (await page_get(playground, f"channel?channel={channel}", user=user))["ephemerals"]


async def test_what_the_bot_posts_and_publishes_is_kept_across_a_restart(database_url):
    async with running_playground(settings_for(database_url), 0, workers=1) as playground:
        client = AsyncWebClient(token=playground.api.token, base_url=f"{playground.root_url}/api/")
        posted = await client.chat_postMessage(channel="CSUPPORT", text="hello *team*")
        await client.reactions_add(channel="CSUPPORT", timestamp=posted["ts"], name="eyes")
        await client.views_publish(user_id="UGRACE", view={"type": "home", "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": "Two approvals wait for you"}}]})
        with pytest.raises(SlackApiError) as refused:
            await AsyncWebClient(token="xoxb-wrong", base_url=f"{playground.root_url}/api/").auth_test()
        assert refused.value.response["error"] == "invalid_auth"
    async with running_playground(settings_for(database_url), 0, workers=1) as playground:
        channel = await page_get(playground, "channel?channel=CSUPPORT")
        [message] = channel["messages"]
        assert "<b>team</b>" in message["html"] and message["reactions"][0]["name"] == "eyes"
        home = await page_get(playground, "home", user="UGRACE")
        assert "Two approvals wait for you" in home["home"]["blocks"]
        assert (await page_get(playground, "home", user="UADA"))["home"] is None


async def test_a_dm_is_answered_and_others_cannot_see_it(database_url):
    async with running_playground(settings_for(database_url), 0, workers=2) as playground:
        async with aiohttp.ClientSession() as session:
            async with session.post(f"{playground.root_url}/play/send", params={"user": "UADA"},
                                    json={"channel": "DADA", "text": "where is order 1001?"}) as response:
                assert response.status == 200 and (await response.json())["status"] == 200
            async with session.post(f"{playground.root_url}/play/send", params={"user": "UALAN"},
                                    json={"channel": "DADA", "text": "let me in"}) as response:
                assert response.status == 409
        await until(lambda: _inbox_empty(playground))
        messages = (await page_get(playground, "channel?channel=DADA"))["messages"]
        assert [m["user"] for m in messages] == ["UADA", "USUPPORTBOT"]
        assert "1001" in messages[1]["html"]
        assert (await page_get(playground, "channel?channel=DADA", user="UALAN"))["messages"] == []


async def test_unsigned_requests_are_refused_by_the_bolt_app(database_url):
    async with running_playground(settings_for(database_url), 0, workers=1) as playground:
        async with aiohttp.ClientSession() as session:
            async with session.post(f"{playground.root_url}/slack/events", data=b'{"type":"event_callback"}',
                                    headers={"Content-Type": "application/json"}) as response:
                assert response.status == 401


async def test_a_card_where_the_approver_cannot_see_it_is_pointed_out(database_url):
    async with running_playground(settings_for(database_url), 0, workers=1) as playground:
        client = AsyncWebClient(token=playground.api.token, base_url=f"{playground.root_url}/api/")
        await client.chat_postMessage(channel="DADA", text="Approval needed", blocks=[
            {"type": "actions", "elements": [{"type": "button", "action_id": "approval_approve", "value": "i1",
                                              "text": {"type": "plain_text", "text": "Approve"}}]}])
        [notice] = (await page_get(playground, "workspace", user="UGRACE"))["notices"]
        assert "Ada Lovelace's DM" in notice and "#approvals" in notice
        assert (await page_get(playground, "workspace", user="UADA"))["notices"] == []


async def test_a_slash_command_typed_in_the_box_is_answered_to_its_sender_alone(database_url):
    async with running_playground(settings_for(database_url), 0, workers=1) as playground:
        async with aiohttp.ClientSession() as session:
            async with session.post(f"{playground.root_url}/play/send", params={"user": "UALAN"},
                                    json={"channel": "CSUPPORT", "text": "/support history"}) as response:
                assert response.status == 200 and (await response.json())["status"] == 200
        # The command's work runs after its ack (a lazy listener).
        await until(lambda: _ephemerals(playground, "CSUPPORT", "UALAN"))
        [note] = (await page_get(playground, "channel?channel=CSUPPORT", user="UALAN"))["ephemerals"]
        assert note["html"]
        assert (await page_get(playground, "channel?channel=CSUPPORT", user="UGRACE"))["ephemerals"] == []
        assert (await page_get(playground, "channel?channel=CSUPPORT", user="UALAN"))["messages"] == []
