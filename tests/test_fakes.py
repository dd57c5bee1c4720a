"""The test infrastructure itself: real clients against the fakes, signatures, PostgreSQL."""

import json
import time
import urllib.parse

import psycopg
import pytest
from aiohttp import web
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.openai_server import Reply
from tests.support import slack_requests as sr


@tool
def lookup_order(order_id: str) -> str:
    """Look up an order by id."""
    return "shipped"


def chat(fake, **kwargs) -> ChatOpenAI:
    return ChatOpenAI(base_url=fake.base_url, api_key="sk-test", model="gpt-test", **kwargs)


# -- FakeOpenAI -------------------------------------------------------------------

def test_chat_openai_gets_the_default_echo_reply(fake_openai):
    reply = chat(fake_openai).invoke("hello there")
    assert reply.content == "echo: hello there"
    assert reply.response_metadata["finish_reason"] == "stop"
    assert fake_openai.calls == 1 and fake_openai.requests[0]["model"] == "gpt-test"


async def test_streaming_yields_chunks_and_usage(fake_openai):
    chunks = [c async for c in chat(fake_openai, stream_usage=True).astream("stream me please")]
    assert len(chunks) > 3
    merged = sum(chunks[1:], chunks[0])
    assert merged.content == "echo: stream me please"
    assert merged.usage_metadata["output_tokens"] == 4
    assert fake_openai.requests[0]["stream_options"] == {"include_usage": True}


@pytest.mark.parametrize("stream", [False, True])
def test_tool_call_parses_and_tool_result_is_answered(fake_openai, stream):
    llm = chat(fake_openai).bind_tools([lookup_order])
    fake_openai.queue(Reply("checking", [{"name": "lookup_order", "args": {"order_id": "1001"}}]))
    if stream:
        chunks = list(llm.stream("where is 1001?"))
        message = sum(chunks[1:], chunks[0])
    else:
        message = llm.invoke("where is 1001?")
    assert message.content == "checking"
    assert [(c["name"], c["args"]) for c in message.tool_calls] == [("lookup_order", {"order_id": "1001"})]
    call_id = message.tool_calls[0]["id"]
    history = [HumanMessage("where is 1001?"), AIMessage("", tool_calls=message.tool_calls),
               ToolMessage("shipped", tool_call_id=call_id)]
    assert llm.invoke(history).content == "tool said: shipped"
    assert fake_openai.requests[0]["tools"][0]["function"]["name"] == "lookup_order"


def test_failures_are_retried_by_the_client_and_hangs_time_out(fake_openai):
    fake_openai.fail_next(1, status=503)
    assert chat(fake_openai).invoke("again").content == "echo: again"
    assert fake_openai.calls == 2
    fake_openai.hang_next(1)
    with pytest.raises(Exception, match="timed out"):
        chat(fake_openai, timeout=0.3, max_retries=0).invoke("x")


# -- FakeSlack --------------------------------------------------------------------

async def test_slack_client_posts_updates_and_reads_back(fake_slack):
    client = AsyncWebClient(token="xoxb-test", base_url=fake_slack.api_url)
    assert (await client.auth_test())["user_id"] == "UBOT"
    fake_slack.add_user_message("C1", "1700000000.000050", "help", user="U1")
    posted = await client.chat_postMessage(channel="C1", thread_ts="1700000000.000050", text="on it")
    await client.chat_update(channel="C1", ts=posted["ts"], text="done")
    replies = await client.conversations_replies(channel="C1", ts="1700000000.000050")
    assert [(m["user"], m["text"]) for m in replies["messages"]] == [("U1", "help"), ("UBOT", "done")]
    assert fake_slack.calls_to("chat.postMessage")[0].token == "xoxb-test"
    with pytest.raises(SlackApiError, match="unknown_method"):
        await client.api_call("no.such.method")


async def test_chat_stream_helper_builds_one_message(fake_slack):
    client = AsyncWebClient(token="xoxb-test", base_url=fake_slack.api_url)
    stream = await client.chat_stream(channel="C1", thread_ts="1.1", recipient_team_id="T1",
                                      recipient_user_id="U1", buffer_size=4)
    await stream.append(markdown_text="hello ")
    await stream.append(markdown_text="wor")
    await stream.stop(markdown_text="ld")
    assert [m["text"] for m in fake_slack.messages("C1")] == ["hello world"]


async def test_slack_rate_limit_is_retried_after_retry_after(fake_slack):
    fake_slack.rate_limit_next("chat.postMessage", 1, retry_after=0)
    client = AsyncWebClient(token="xoxb-test", base_url=fake_slack.api_url,
                            retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)])
    assert (await client.chat_postMessage(channel="C1", text="hi"))["ok"]
    assert [c.status for c in fake_slack.calls_to("chat.postMessage")] == [429, 200]
    assert len(fake_slack.messages("C1")) == 1


# -- signed inbound requests ----------------------------------------------------------

def test_signed_requests_verify_with_slack_sdk():
    verifier = SignatureVerifier("s3cret")
    body = json.dumps(sr.event_callback(sr.message_event("C1", "U1", "hi", "1.2")))
    assert verifier.is_valid_request(body, sr.sign("s3cret", body))
    assert not verifier.is_valid_request(body, sr.sign("other", body))
    form = sr.block_actions_payload("U1", "approve", "42", "C1", "1.3")
    payload = json.loads(urllib.parse.parse_qs(form)["payload"][0])
    assert payload["actions"][0]["value"] == "42" and verifier.is_valid_request(form, sr.sign("s3cret", form))


async def test_post_helpers_send_slacks_headers(unused_tcp_port):
    seen = []

    async def handle(request):
        seen.append((dict(request.headers), await request.text()))
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/slack/events", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", unused_tcp_port).start()
    try:
        url = f"http://127.0.0.1:{unused_tcp_port}/slack/events"
        envelope = sr.event_callback(sr.app_mention_event("C1", "U1", "hi", "1.2"))
        assert await sr.apost_event(url, "s", envelope, retry_num=1) == (200, "ok")
        assert await sr.apost_form(url, "s", sr.slash_command("/support", "help", "U1", "C1")) == (200, "ok")
    finally:
        await runner.cleanup()
    headers, body = seen[0]
    assert headers["X-Slack-Retry-Num"] == "1" and headers["X-Slack-Retry-Reason"] == "http_timeout"
    assert SignatureVerifier("s").is_valid_request(body, headers)
    assert seen[1][0]["Content-Type"] == sr.FORM


# -- PostgreSQL -------------------------------------------------------------------

def test_pg_url_is_a_fresh_working_database(pg_url):
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE t (x int)")
        assert conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone() == (1,)


def test_private_pg_keeps_data_across_stop_and_start(private_pg):
    with psycopg.connect(private_pg.url, autocommit=True) as conn:
        conn.execute("CREATE TABLE kept (x int); INSERT INTO kept VALUES (7)")
    private_pg.stop()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(private_pg.url, connect_timeout=1)
    started = time.monotonic()
    private_pg.start()
    assert time.monotonic() - started < 10
    with psycopg.connect(private_pg.url) as conn:
        assert conn.execute("SELECT x FROM kept").fetchone() == (7,)
