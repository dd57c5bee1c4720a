"""Who a Slack user is: one ``users.info`` per user, however many of their threads ask at once."""

from __future__ import annotations

import asyncio

from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.identity import Directory


async def test_a_burst_of_one_users_threads_asks_slack_once_and_all_get_the_answer(fake_slack):
    client = AsyncWebClient(token="xoxb-test", base_url=fake_slack.api_url)
    directory = Directory(client, staff=set(), ttl=60)
    users = [c.params["user"] for c in fake_slack.calls_to("users.info")]
    first = await directory.identify("UADA")
    assert [c.params["user"] for c in fake_slack.calls_to("users.info")] == users + ["UADA"]
    directory.forget("UADA")

    many = await asyncio.gather(*(directory.identify("UADA") for _ in range(8)), directory.identify("UGRACE"))

    asked = [c.params["user"] for c in fake_slack.calls_to("users.info")]
    assert sorted(asked[len(users) + 1:]) == ["UADA", "UGRACE"]
    assert all(who == first for who in many[:8]) and first.email
    assert many[8].user == "UGRACE"


async def test_a_caller_cancelled_while_asking_does_not_strand_the_others(fake_slack):
    client = AsyncWebClient(token="xoxb-test", base_url=fake_slack.api_url)
    directory = Directory(client, staff=set(), ttl=60)
    asking = asyncio.create_task(directory.identify("UADA"))
    await asyncio.sleep(0)
    waiting = asyncio.create_task(directory.identify("UADA"))
    await asyncio.sleep(0)
    asking.cancel()
    who = await asyncio.wait_for(waiting, 5)
    assert who.email
