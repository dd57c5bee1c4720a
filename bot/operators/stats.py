"""``supportbot stats``: turns per thread, steps per turn, tool use, approval waits, errors, feedback.

Turns, errors and approval waits come from the SQL views of migration 0030
(our own tables). Steps per turn and tool use come from the saver's tables:
checkpoint metadata (``source`` = input/loop) and the ``messages`` writes,
which record every node's output on every branch, so summarised or rewound
turns still count.
"""

from __future__ import annotations

import statistics
from collections import Counter

from langchain_core.messages import AIMessage, ToolMessage

from bot.feedback.store import feedback_counts
from bot.operators.clock import iso
from graph.checkpoint_ids import checkpoint_floor
from bot.operators.threads import require_tables


def _spread(values: list[float]) -> dict:
    if not values:
        return {"min": None, "avg": None, "median": None, "max": None}
    return {"min": min(values), "avg": round(statistics.fmean(values), 2),
            "median": statistics.median(values), "max": max(values)}


def _num(value) -> float | None:
    return None if value is None else round(float(value), 2)


async def collect(storage, since: float = 0.0) -> dict:
    require_tables(storage)
    db = storage.db
    params = {"since": since}
    turns = await db.fetchone("stats_turns_summary", params) or {}
    per_thread = [int(r["turns"]) for r in await db.fetchall("stats_turns_per_thread", params)]
    sources = await db.fetchall("stats_checkpoint_sources", {"since_id": checkpoint_floor(since)})
    inputs = sum(int(r["inputs"] or 0) for r in sources)
    loops = sum(int(r["loops"] or 0) for r in sources)
    steps_per_thread = [int(r["loops"] or 0) / int(r["inputs"]) for r in sources if int(r["inputs"] or 0)]
    tools = await _tool_use(storage, since)
    approvals = [
        {"tool": r["tool"], "status": r["status"], "count": int(r["approvals"]),
         "avg_wait_seconds": _num(r["avg_wait"]), "max_wait_seconds": _num(r["max_wait"])}
        for r in await db.fetchall("stats_approvals", params)
    ]
    done, failed = int(turns.get("done") or 0), int(turns.get("failed") or 0)
    return {
        "since": iso(since) if since else None,
        "turns": {"total": int(turns.get("turns") or 0), "threads": int(turns.get("threads") or 0),
                  "done": done, "failed": failed, "retried": int(turns.get("retried") or 0),
                  "avg_seconds": _num(turns.get("avg_seconds")), "max_seconds": _num(turns.get("max_seconds"))},
        "turns_per_thread": _spread(per_thread),
        "steps_per_turn": {"graph_runs": inputs, "steps": loops,
                           "avg": round(loops / inputs, 2) if inputs else None,
                           "per_thread": _spread(steps_per_thread)},
        "tools": tools,
        "approvals": approvals,
        "error_rate": round(failed / (done + failed), 4) if done + failed else None,
        "feedback": await feedback_counts(db, since),
    }


async def _tool_use(storage, since: float) -> list[dict]:
    serde = storage.checkpointer.serde
    asked, ran, errors = Counter(), Counter(), Counter()
    for row in await storage.db.fetchall("stats_message_writes", {"since_id": checkpoint_floor(since)}):
        try:
            value = serde.loads_typed((row["type"], bytes(row["blob"])))
        except Exception:
            continue  # a write we cannot read counts for nothing
        for message in value if isinstance(value, list) else [value]:
            if isinstance(message, AIMessage):
                asked.update(c["name"] for c in message.tool_calls)
            elif isinstance(message, ToolMessage):
                ran[message.name or "?"] += 1
                rejected = isinstance(message.artifact, dict) and message.artifact.get("rejected")
                if getattr(message, "status", None) == "error" and not rejected:
                    errors[message.name or "?"] += 1
    return [{"tool": name, "called": asked[name], "results": ran[name], "errors": errors[name]}
            for name in sorted(set(asked) | set(ran))]


def render(data: dict) -> str:
    t, tp, sp = data["turns"], data["turns_per_thread"], data["steps_per_turn"]
    lines = [f"since {data['since'] or 'the beginning'}", "",
             f"turns            {t['total']} in {t['threads']} threads: {t['done']} answered, {t['failed']} failed, "
             f"{t['retried']} retried; {_fmt(t['avg_seconds'])} s on average, {_fmt(t['max_seconds'])} s at most",
             f"turns per thread min {_fmt(tp['min'])}, median {_fmt(tp['median'])}, avg {_fmt(tp['avg'])}, "
             f"max {_fmt(tp['max'])}",
             f"steps per turn   {_fmt(sp['avg'])} ({sp['steps']} steps in {sp['graph_runs']} graph runs)",
             f"error rate       {_pct(data['error_rate'])}",
             f"feedback         {data['feedback']['positive']} positive, {data['feedback']['negative']} negative",
             "", "tools:"]
    lines += [f"  {x['tool']:<16} {x['called']:>5} called {x['results']:>5} ran {x['errors']:>5} errors"
              for x in data["tools"]] or ["  (none)"]
    lines += ["", "approvals:"]
    lines += [f"  {a['tool']:<16} {a['status']:<9} {a['count']:>5}   wait avg {_fmt(a['avg_wait_seconds'])} s, "
              f"max {_fmt(a['max_wait_seconds'])} s" for a in data["approvals"]] or ["  (none)"]
    return "\n".join(lines)


def _fmt(value) -> str:
    if value is None:
        return "-"
    return f"{value:.2f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


def _pct(value) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"
