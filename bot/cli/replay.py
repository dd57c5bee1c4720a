"""supportbot replay THREAD_ID --from CHECKPOINT_ID: what would today's model do from there?"""

from __future__ import annotations

import logging

from bot.cli import CommandError
from bot.cli._args import checkpoint_id, thread_id

log = logging.getLogger(__name__)

NAME = "replay"
HELP = "re-run a thread from a checkpoint on a scratch copy with today's model and tools; print the differences"


def configure(parser) -> None:
    parser.add_argument("thread_id", metavar="THREAD_ID", type=thread_id)
    parser.add_argument("--from", dest="from_id", required=True, metavar="CHECKPOINT_ID", type=checkpoint_id)
    parser.add_argument("--json", action="store_true", help="recorded and replayed messages as JSON")


async def run(args, settings) -> int:
    from bot.agent import agent_graph, open_agent
    from bot.operators.output import print_json
    from bot.operators.replay import replay
    from bot.operators.timeline import NotFound

    async with open_agent(settings) as agent:
        try:
            result = await replay(agent.graph, agent.storage,
                                  lambda scratch: agent_graph(settings, scratch, agent.model),
                                  args.thread_id, args.from_id)
        except NotFound as exc:
            raise CommandError(exc) from exc
        except Exception as exc:  # the model or a tool failed: say so in a line, the log has the rest
            log.exception("replay failed", extra={"thread_id": args.thread_id})
            first = (str(exc).strip() or type(exc).__name__).splitlines()[0]
            raise CommandError(f"the replay failed ({type(exc).__name__}: {first})") from exc
    if args.json:
        print_json(result.as_json())
        return 0
    print(f"Replay of {result.thread_id} from {result.from_id} on a scratch copy "
          f"(the thread itself is unchanged, head {result.head}).")
    print(f"recorded: {len(result.recorded)} messages after that checkpoint; replayed: {len(result.replayed)}.\n")
    for line in result.diff() if not result.same else ["  " + x for x in result.recorded]:
        print(line)
    for pause in result.paused:
        print(f"\n⏸ stopped at a pause: {pause['tool']} {pause['args']} would wait for approval "
              "(a replay never resumes one)")
    if result.refused_writes:
        print(f"\n✋ shop writes refused during the replay: {', '.join(result.refused_writes)}")
    print("\nsame as recorded" if result.same else "\ndifferent from what was recorded (- recorded, + replayed)")
    return 0
