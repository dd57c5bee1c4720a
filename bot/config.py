"""Settings from the environment (and a ``.env`` file), validated at start-up.

A missing or malformed setting stops start-up with one line naming it
(``ConfigError``); ``bot.cli`` prints that line and exits 2.

``load_settings`` leaves a malformed setting out rather than refusing them all:
reading it raises that line, so an operator command fails only on a setting it
uses (a bad ``PORT`` does not stop ``supportbot threads``), and ``check()``
reports every one of them, which the long-running commands do first.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from pydantic import Field, PrivateAttr, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from typing_extensions import Annotated

from bot.logs import level_name
from graph.sealing import parse_key
from graph.storage import StorageError, parse_url


class ConfigError(Exception):
    """One line, naming the setting."""


def _csv(value) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return list(value)


CsvList = Annotated[list[str], NoDecode]
# Slack's id shapes: a mistyped name or a token of the wrong kind is caught at start-up, not at the first use.
_ID_SHAPES = {
    "supportbot_approvers": ("^[UW][A-Z0-9]+$", "Slack user ids (U…), not names"),
    "supportbot_operators": ("^[UW][A-Z0-9]+$", "Slack user ids (U…), not names"),
    "supportbot_staff": ("^[UW][A-Z0-9]+$", "Slack user ids (U…), not names"),
    "supportbot_approver_group": ("^S[A-Z0-9]+$", "a Slack user group id (S…), not its handle"),
    "supportbot_approval_channel": ("^[CGD][A-Z0-9]+$", "a Slack channel id (C…), not its name"),
    "slack_bot_token": (r"^(xoxe\.)?xoxb-", "the bot token (xoxb-…) from the app's OAuth & Permissions page"),
    "slack_app_token": ("^xapp-", "an app-level token (xapp-…) with connections:write"),
}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")
    _invalid: dict[str, str] = PrivateAttr(default_factory=dict)  # setting -> its one line (see load_settings)

    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str = "https://slack.com/api/"

    database_url: str = "sqlite:///supportbot.db"
    database_pool_size: int = Field(10, ge=2, le=200)

    openai_api_key: str | None = None
    openai_base_url: str | None = None
    supportbot_model: str | None = None
    supportbot_model_timeout: float = Field(60.0, gt=0)
    # The agent node's RetryPolicy (graph/retry.py): attempts per model call, and the first
    # wait between them in seconds (doubling, capped at 30 s).
    supportbot_model_retry_attempts: int = Field(5, ge=1, le=20)
    supportbot_model_retry_seconds: float = Field(1.0, gt=0)
    # A turn with no answer after this long gets one sentence in the thread (bot/queue/delay.py);
    # after the deadline it fails with the final sentence, counted from when its oldest message was accepted.
    supportbot_delay_notice_seconds: float = Field(15.0, gt=0)
    supportbot_turn_deadline_seconds: float = Field(300.0, gt=0)

    supportbot_approvers: CsvList = []
    supportbot_approver_group: str | None = None
    supportbot_approval_channel: str | None = None
    supportbot_approval_ttl: float | None = Field(None, gt=0, description="seconds; unset = never expire")
    supportbot_operators: CsvList = []

    # Runs at once per process. A run spends nearly all its time waiting on the model
    # and Slack, holding no database connection, so this is sized for the burst to
    # absorb in one model-call time, not for the pool (docs/operations.md, "Sizing workers and the pool").
    supportbot_workers: int = Field(64, ge=1, le=512)
    # PostgreSQL LISTEN/NOTIFY wake-ups across processes; false behind PgBouncer in
    # transaction mode (LISTEN needs a session), polling then does the waking.
    supportbot_listen: bool = True
    supportbot_lease_seconds: float = Field(30.0, ge=2)
    supportbot_max_attempts: int = Field(8, ge=1, le=100)
    supportbot_drain_seconds: float = Field(25.0, ge=0)
    supportbot_max_message_chars: int = Field(40_000, ge=100)
    supportbot_thread_ttl_days: float | None = Field(None, gt=0)
    supportbot_log_level: str = "INFO"

    port: int = Field(3000, ge=1, le=65535)
    host: str = Field("0.0.0.0", min_length=1, description="bind address of the HTTP server")

    # -- trust boundaries --
    supportbot_staff: CsvList = []  # Slack user ids who may act for any customer (behind approval)
    supportbot_identity_ttl: float = Field(3600.0, gt=0, description="seconds a users.info email is trusted")
    # Encryption at rest: urlsafe base64 of 32 random bytes; older keys (comma-separated) still decrypt.
    supportbot_encryption_key: SecretStr | None = None
    supportbot_encryption_old_keys: SecretStr | None = None

    @field_validator("supportbot_approvers", "supportbot_operators", "supportbot_staff", mode="before")
    @classmethod
    def _split(cls, value):
        return _csv(value)

    @field_validator(*_ID_SHAPES)
    @classmethod
    def _slack_shapes(cls, value, info):
        pattern, shape = _ID_SHAPES[info.field_name]
        for item in value if isinstance(value, list) else [value] if value else []:
            if not re.match(pattern, item):
                raise ValueError(f"must be {shape}")
        return value

    @field_validator("supportbot_log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        return level_name(value)

    @field_validator("openai_base_url")
    @classmethod
    def _base_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value or None

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value if value.endswith("/") else value + "/"

    @field_validator("supportbot_encryption_key", "supportbot_encryption_old_keys")
    @classmethod
    def _valid_keys(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        for key in _csv(value.get_secret_value()):
            parse_key(key)  # the error says what is wrong, never the key
        return value

    @field_validator("database_url")
    @classmethod
    def _valid_url(cls, value: str) -> str:
        try:
            parsed = parse_url(value)
        except StorageError as exc:
            raise ValueError(str(exc)) from None
        target = urlsplit(parsed.target)
        if parsed.kind == "postgres" and "," not in target.netloc:  # libpq's h1:p1,h2:p2 is libpq's to check
            try:
                port = target.port  # raises on one that is not a number of 0-65535
            except ValueError:
                port = 0
            if port == 0:
                raise ValueError("the port of a PostgreSQL URL must be a number from 1 to 65535")
        return value

    def __getattr__(self, name: str):
        if name in type(self).model_fields:  # absent only when load_settings left it out as malformed
            raise ConfigError(self._invalid[name])
        return super().__getattr__(name)

    def check(self) -> None:
        """Every malformed setting, one line each."""
        if self._invalid:
            raise ConfigError("\n".join(self._invalid.values()))

    # -- derived -----------------------------------------------------------
    @property
    def encryption_keys(self) -> list[bytes] | None:
        """SUPPORTBOT_ENCRYPTION_KEY, then SUPPORTBOT_ENCRYPTION_OLD_KEYS; None = no encryption."""
        if self.supportbot_encryption_key is None:
            return None
        old = self.supportbot_encryption_old_keys
        texts = [self.supportbot_encryption_key.get_secret_value(), *_csv(old.get_secret_value() if old else "")]
        return [parse_key(t) for t in texts]

    @property
    def operators(self) -> list[str]:
        return self.supportbot_operators or self.supportbot_approvers

    @property
    def staff(self) -> set[str]:
        """Who may look up and act on any customer's orders: approvers, operators, SUPPORTBOT_STAFF."""
        return {*self.supportbot_staff, *self.supportbot_approvers, *self.operators}

    @property
    def socket_mode(self) -> bool:
        return bool(self.slack_app_token)

    def require_slack(self) -> None:
        """What ``serve`` needs on top of the defaults."""
        if not self.slack_bot_token:
            raise ConfigError("SLACK_BOT_TOKEN is not set: the bot's xoxb- token from the Slack app's OAuth page")
        if not self.socket_mode and not self.slack_signing_secret:
            raise ConfigError(
                "SLACK_SIGNING_SECRET is not set: HTTP mode needs it to verify Slack's requests "
                "(or set SLACK_APP_TOKEN for Socket Mode)"
            )

    # -- long conversations: summarisation, retention, checkpoint size --
    supportbot_summary_budget_tokens: int = Field(3000, ge=100, description="fold older turns above this")
    supportbot_summary_max_messages: int = Field(40, ge=4, description="... or above this many messages")
    supportbot_summary_keep_tokens: int | None = Field(None, ge=50, description="after a fold; default budget/2")
    supportbot_summary_keep_messages: int | None = Field(None, ge=2, description="default max_messages/2")
    supportbot_summary_keep_turns: int = Field(2, ge=1)
    supportbot_summary_max_chars: int = Field(2500, ge=200)
    supportbot_summary_tokenizer: str = Field("auto", pattern="^(auto|model|estimate)$")
    supportbot_retention_keep_checkpoints: int = Field(40, ge=0, description="per thread; 0 = retention off")
    supportbot_retention_interval_seconds: float = Field(300.0, gt=0)
    supportbot_retention_vacuum: bool = False
    supportbot_checkpoint_warn_bytes: int = Field(100_000, ge=1)


def load_settings(**overrides) -> Settings:
    """The settings, with any malformed one left out: reading it raises ``ConfigError`` naming it."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        invalid = _lines(exc)
    # Init arguments outrank the environment: the malformed ones are read as their defaults, then dropped.
    defaults = {name: Settings.model_fields[name].get_default(call_default_factory=True) for name in invalid}
    settings = Settings(**{**overrides, **defaults})
    for name in invalid:
        del settings.__dict__[name]
    settings._invalid = invalid
    return settings


def _lines(exc: ValidationError) -> dict[str, str]:
    lines: dict[str, str] = {}
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        name = field.upper() or "setting"
        message = error["msg"].removeprefix("Value error, ")
        lines.setdefault(field, message if message.startswith(name) else f"{name}: {message}")
    return lines
