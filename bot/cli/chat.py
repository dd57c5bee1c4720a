"""supportbot chat: talk to the agent in a terminal, on the same graph, storage and approvals as Slack.

It reads like a conversation: logs go to a file or nowhere unless ``--verbose``;
each answer is printed once, each tool call as one short line; an approval is
asked in the card's plain words and decided in one answer ("y", "n", or "n"
and a reason), and the decision is recorded in the approvals table and audit
log as a Slack click is, so ``supportbot approvals`` and ``stats`` show it.
"""

from __future__ import annotations

import getpass
import logging
import re
import threading

from bot import messages as say

log = logging.getLogger(__name__)

NAME = "chat"
HELP = "a terminal conversation with the agent (memory kept in DATABASE_URL)"

QUIT = ("quit", "exit", ":q")
YES = re.compile(r"(?i)^y(es)?\b")
NO = re.compile(r"(?i)^no?\b[\s,:;.-]*")


def configure(parser) -> None:
    parser.add_argument("--thread", default="default",
                        help="conversation name; its thread id is cli:NAME (default: %(default)s)")
    parser.add_argument("--verbose", action="store_true", help="show the JSON logs on stderr between the turns")
    parser.add_argument("--log-file", metavar="PATH", help="append the JSON logs to this file (default: no logs)")


async def run(args, settings) -> int:
    import asyncio

    from bot.agent import open_agent
    from bot.approvals.store import ApprovalStore
    from bot.threads import terminal_thread_id
    from graph.agent import human_message
    from graph.demo_model import DEMO_NOTICE
    from graph.shop import Shop
    from graph.state import RunContext

    where = route_logs(args, settings.supportbot_log_level)
    thread_id = terminal_thread_id(args.thread)
    user = getpass.getuser()
    config = {"configurable": {"thread_id": thread_id}}
    # The terminal's user can read the database anyway: they act as staff.
    context = RunContext(requester=user, source={"via": "cli"}, staff=True)
    try:
        async with open_agent(settings) as agent:
            model = DEMO_NOTICE if agent.demo else f"model {settings.supportbot_model or 'default'}"
            print(say.CHAT_BANNER.format(thread_id=thread_id, name=args.thread, model=model,
                                         storage=agent.storage.url.redacted))
            state = await agent.graph.aget_state(config)
            earlier = len(state.values.get("messages", [])) if state.values else 0
            print(say.CHAT_CONTINUING.format(count=earlier) if earlier else say.CHAT_NEW)
            print(say.CHAT_HOW, say.CHAT_LOGS.format(where=where), "", sep="\n")
            gate = TerminalApprovals(ApprovalStore(agent.storage.db, inbox=None), Shop(agent.storage.db),
                                     thread_id, user)
            while True:
                pending = await _pending(agent.graph, config)
                if pending:
                    payload = await gate.decide(pending)
                    if payload is None:
                        break  # end of input at the prompt: the request stays pending for next time
                else:
                    text = await read_line("you> ")
                    if text is None or text.lower() in QUIT:
                        break
                    if not text:
                        continue
                    payload = {"messages": [human_message(text)]}
                await _turn(agent.graph, payload, config, context)
    except asyncio.CancelledError:  # Ctrl-C: leave at once, on a fresh line
        print()
        raise
    return 0


def route_logs(args, level: str) -> str:
    """Logs would land between the turns: on stderr only when asked, else a file or nowhere."""
    from bot.logs import setup_logging

    if args.verbose:
        return "stderr"
    if args.log_file:
        setup_logging(level, stream=open(args.log_file, "a", encoding="utf-8", buffering=1))
        return args.log_file
    logging.getLogger().handlers[:] = [logging.NullHandler()]
    return "off"


async def read_line(prompt: str) -> str | None:
    """input() on a daemon thread: Ctrl-C cancels the wait at once, and exiting does not wait
    for the line (asyncio.to_thread would: the default executor is joined at shutdown)."""
    import asyncio

    loop = asyncio.get_running_loop()
    future = loop.create_future()

    def deliver(line: str | None) -> None:
        if not future.done():
            future.set_result(line)

    def read() -> None:
        try:
            line = input(prompt)
        except (EOFError, OSError):
            line = None
        try:
            loop.call_soon_threadsafe(deliver, line)
        except RuntimeError:  # the loop closed meanwhile: nobody is waiting
            pass

    threading.Thread(target=read, name="chat-input", daemon=True).start()
    line = await future
    if line is None:
        return None
    from bot.storable import storable  # a pasted NUL would fail the turn on PostgreSQL

    return storable(line).strip()


async def _turn(graph, payload, config, context) -> None:
    from langchain_core.messages import AIMessage

    try:
        async for update in graph.astream(payload, config, context=context, stream_mode="updates"):
            for node, change in update.items():
                if node != "agent" or not isinstance(change, dict):
                    continue
                for message in change.get("messages", []) or []:
                    if not isinstance(message, AIMessage):
                        continue
                    for call in message.tool_calls:
                        print(_clip(f"  ⚙ {call['name']}({_args(call['args'])})"))
                    if message.content and not message.tool_calls:
                        print(f"bot> {message.content}\n")
    except Exception as exc:  # the model or a tool failed: one line here, the rest in the log
        log.exception("chat turn failed", extra={"thread_id": config["configurable"]["thread_id"]})
        print(say.CHAT_TURN_FAILED.format(error=type(exc).__name__))


async def _pending(graph, config) -> list:
    state = await graph.aget_state(config)
    return list(state.interrupts) if state else []


class TerminalApprovals:
    """The approval gate answered at the prompt, recorded like a click on the Slack card."""

    def __init__(self, store, shop, thread_id: str, user: str) -> None:
        self.store, self.shop, self.thread_id, self.user = store, shop, thread_id, user

    async def decide(self, interrupts):
        """The resume command for the run's pauses, or None at end of input."""
        from langgraph.types import Command

        from bot.approvals.model import VOID

        decisions = {}
        for item in interrupts:
            approval = await self.store.get(item.id) or await self._request(item)
            decided = None
            if approval.pending:
                if approval.reason:
                    print(say.CHAT_APPROVAL_WHY.format(reason=approval.reason))
                answer = await read_line(say.CHAT_APPROVAL_ASK.format(action=approval.summary))
                if answer is None:
                    return None
                approve, note = parse_answer(answer)
                decided = await self.store.decide(item.id, approve=approve, by=self.user, note=note)
                if decided is not None:
                    print(say.CHAT_APPROVED.format(by=self.user) if approve else
                          say.CHAT_REJECTED.format(by=self.user, why=f": {note}" if note else ""))
                approval = decided or await self.store.get(item.id)
            if decided is None:  # decided before (a crash before resuming) or elsewhere meanwhile
                print(say.CHAT_DECIDED_ALREADY.format(status=approval.status, by=approval.decided_by or "nobody"))
            if approval.status == VOID:
                continue  # set aside by a rewind: no longer on the thread's head
            decisions[item.id] = resume_value(approval)
        return Command(resume=decisions)

    async def _request(self, item):
        from bot.approvals.pauses import action_summary

        value = item.value if isinstance(item.value, dict) else {}
        tool = str(value.get("tool") or "a tool")
        args = dict(value.get("args") or {})
        return await self.store.request(
            item.id, self.thread_id, tool, args, requester=value.get("requester") or self.user,
            reason=value.get("reason") or args.get("reason"), summary=await action_summary(self.shop, tool, args),
            thread_link=None, ttl=None)


def parse_answer(text: str) -> tuple[bool, str | None]:
    """"y" approves; anything else rejects, and what follows "n" (or the whole answer) is the reason."""
    text = text.strip()
    if YES.match(text):
        return True, None
    return False, NO.sub("", text, count=1).strip() or None


def resume_value(approval) -> dict:
    """What the paused tool is resumed with: the same shape a Slack decision queues."""
    from bot.approvals.model import APPROVED

    approved = approval.status == APPROVED
    return {"decision": "approve" if approved else "reject", "by": approval.decided_by, "note": approval.note,
            "args": approval.edited_args if approved else None}


def _args(args: dict) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in args.items())


def _clip(line: str, width: int = 100) -> str:
    return line if len(line) <= width else line[: width - 1] + "…"
