"""Time from `supportbot playground` (already installed, fresh folder, no settings) to the first answer.

    .venv/bin/python bench/playground_first_answer.py [--runs 3]

Starts the console script in an empty temporary folder (so sqlite:///supportbot.db
is created and migrated from nothing), waits for its "playground on" line, sends
one DM through the page's own route and polls until the bot's answer is there.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path


def one_run(script: str) -> tuple[float, float]:
    folder = tempfile.mkdtemp(prefix="playground-bench-")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SUPPORTBOT_", "OPENAI_", "DATABASE_"))}
    started = time.perf_counter()
    proc = subprocess.Popen([script, "playground", "--port", "0"], cwd=folder, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = proc.stdout.readline()
        ready = time.perf_counter() - started
        url = line.split("playground on ", 1)[1].split()[0].rstrip("/")
        body = json.dumps({"channel": "DADA", "text": "where is order 1001?"}).encode()
        urllib.request.urlopen(urllib.request.Request(f"{url}/play/send?user=UADA", data=body,
                                                      headers={"Content-Type": "application/json"}))
        while True:
            with urllib.request.urlopen(f"{url}/play/channel?user=UADA&channel=DADA") as response:
                if any(m["is_bot"] for m in json.load(response)["messages"]):
                    return ready, time.perf_counter() - started
            time.sleep(0.02)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    script = str(Path(sys.executable).with_name("supportbot"))
    for n in range(args.runs):
        ready, answered = one_run(script)
        print(f"run {n + 1}: page served after {ready:.2f} s, first answer after {answered:.2f} s")


if __name__ == "__main__":
    main()
