""".env.example is `supportbot settings`: every setting, its default and one line saying what it does."""

from __future__ import annotations

import re
from pathlib import Path

from bot.cli.settings import example
from bot.config import Settings

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENT = re.compile(r"^# ([A-Z][A-Z0-9_]*)=(.*)$")


def test_env_example_is_the_generated_one_so_it_names_every_setting():
    assert (ROOT / ".env.example").read_text() == example(), \
        "settings changed: regenerate with `supportbot settings > .env.example`"


def test_each_setting_appears_once_after_its_explanation():
    lines = (ROOT / ".env.example").read_text().splitlines()
    named = [(i, m.group(1)) for i, line in enumerate(lines) if (m := ASSIGNMENT.match(line))]
    assert [name for _, name in named] == [name.upper() for name in Settings.model_fields]
    for i, name in named:
        explanation = lines[i - 1]
        assert explanation.startswith("# ") and not ASSIGNMENT.match(explanation) and len(explanation) > 10, name


def test_the_defaults_shown_read_back_as_the_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    values = {m.group(1): m.group(2) for line in (ROOT / ".env.example").read_text().splitlines()
              if (m := ASSIGNMENT.match(line)) and m.group(2)}
    # Uncommented as a user would, in a .env file the settings read.
    (tmp_path / ".env").write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    assert Settings() == Settings(_env_file=None)
    assert len(values) > 20
