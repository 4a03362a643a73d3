"""Service configuration: environment variables and the optional YAML file."""

from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.core.comment import DOCS_URL
from bot.core.config import LintConfig


class ConfigError(Exception):
    """A configuration problem a person must fix; its text is one line, safe to print."""


class DeckProject(BaseModel):
    """Where a customer group's deck is built: a project, a ref and a trigger token source."""

    model_config = ConfigDict(extra="forbid")

    project: str
    ref: str = "main"
    # The token itself never lives in the YAML: name an environment variable or a file.
    trigger_token_env: str | None = None
    trigger_token_file: Path | None = None

    def trigger_token(self) -> str | None:
        """The pipeline trigger token, read now from its environment variable or file."""
        if self.trigger_token_env and os.environ.get(self.trigger_token_env):
            return os.environ[self.trigger_token_env].strip()
        if self.trigger_token_file is not None:
            try:
                return self.trigger_token_file.read_text(encoding="utf-8").strip() or None
            except OSError as exc:
                raise ConfigError(
                    f"{self.trigger_token_file}: cannot read the trigger token ({exc.strerror})"
                ) from None
        return None


class TrackedGroup(BaseModel):
    """A customer group whose plan the bot follows."""

    model_config = ConfigDict(extra="forbid")

    path: str
    deck: DeckProject | None = None


class Portfolio(BaseModel):
    """The portfolio project of a parent group: rebuilt like a deck when anything under it changes."""

    model_config = ConfigDict(extra="forbid")

    group: str
    deck: DeckProject


class FileConfig(BaseModel):
    """The YAML configuration named by ``BOT_CONFIG``."""

    model_config = ConfigDict(extra="forbid")

    groups: list[TrackedGroup] = Field(default_factory=list)
    portfolio: Portfolio | None = None
    lint: LintConfig = Field(default_factory=LintConfig)
    template_url: str = "https://handbook.gitlab.com/handbook/customer-success/csm/success-plans/"
    # The guidance comment (and date nudges) as internal notes: seen by members with Reporter or
    # higher, not by Guests, who are often the customer's own people in a shared group.
    comment_visibility: Literal["internal", "public"] = "internal"
    # Each finding links to its rule's entry here (an anchor per rule id).
    docs_url: str = DOCS_URL
    # When a date finding first appears, one new note mentions the assignees; at most one per
    # objective in this many days (0: no nudges).
    nudge_days: int = Field(default=7, ge=0)

    def tracks(self, group_path: str) -> bool:
        """True when *group_path* is tracked: every group when none is listed."""
        if not self.groups:
            return True
        return any(group_path == g.path or group_path.startswith(g.path + "/") for g in self.groups)

    def group(self, group_path: str) -> TrackedGroup | None:
        """The configured entry for exactly this group, if any."""
        return next((g for g in self.groups if g.path == group_path), None)

    def deck(self, group_path: str) -> DeckProject | None:
        """The deck project of a customer group; None means the group never rebuilds a deck."""
        if self.portfolio is not None and group_path == self.portfolio.group:
            return self.portfolio.deck
        entry = self.group(group_path)
        return entry.deck if entry is not None else None

    def portfolio_of(self, group_path: str) -> str | None:
        """The parent whose portfolio shows *group_path*, if a portfolio is configured for it."""
        if self.portfolio is None:
            return None
        parent = self.portfolio.group
        return parent if group_path == parent or group_path.startswith(parent + "/") else None


def describe_validation_error(exc: ValidationError) -> str:
    """One line naming the first bad key and what is wrong with it."""
    errors = exc.errors()
    # An unknown key is usually a misspelling, and explains the 'field required' beside it.
    err = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    where = ".".join(str(part) for part in err["loc"]) or "(top level)"
    if err["type"] == "extra_forbidden":
        return f"unknown key {where!r}"
    return f"{where}: {err['msg']}"


def load_file_config(path: Path | None) -> FileConfig:
    """Read and validate the YAML configuration; raise ConfigError naming the bad key."""
    if path is None:
        return FileConfig()
    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the configuration ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{path}: not valid YAML{line}") from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: the configuration must be a mapping of keys")
    try:
        return FileConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {describe_validation_error(exc)}") from None


class Settings(BaseSettings):
    """Environment configuration (prefix ``BOT_``)."""

    model_config = SettingsConfigDict(env_prefix="BOT_", extra="ignore")

    webhook_secret: SecretStr | None = None
    signing_secret: SecretStr | None = None
    gitlab_url: str = "https://gitlab.com"
    gitlab_token: SecretStr | None = None
    bot_username: str | None = None
    data_dir: Path = Path("./var")
    database_url: str | None = None
    config: Path | None = None
    host: str = "127.0.0.1"
    port: int = 8080
    max_body_bytes: int = 25 * 1024 * 1024
    body_timeout_seconds: float = 10.0  # a client that sends its body slower than this gets 408
    signature_tolerance_seconds: int = 300
    lease_seconds: float = 30.0
    max_attempts: int = 8
    worker_concurrency: int = 4
    shutdown_grace_seconds: float = 0.0
    dedupe_retention_days: int = 8
    notes_per_minute: int = 60  # GitLab.com's notes_create limit, per user: shared by every replica
    notes_window_seconds: float = 60.0  # the limit's window (GitLab: a minute; shorter in tests)
    gitlab_timeout_seconds: float = 10.0
    templates_dir: Path | None = None
    rebuild_window_seconds: float = 60.0
    rebuild_max_wait_seconds: float = 300.0
    reconcile_interval_seconds: float = 900.0
    sweep_at: str = Field(default="06:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")  # UTC, daily

    @field_validator("signing_secret")
    @classmethod
    def _signing_secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        raw = value.get_secret_value()
        if not raw.startswith("whsec_"):
            raise ValueError("must start with 'whsec_' (a Standard Webhooks signing key)")
        try:
            base64.b64decode(raw.removeprefix("whsec_"), validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("the part after 'whsec_' is not base64") from None
        return value

    @field_validator("webhook_secret", "gitlab_token")
    @classmethod
    def _empty_is_unset(cls, value: SecretStr | None) -> SecretStr | None:
        return value if value is not None and value.get_secret_value() else None

    def sqlite_path(self) -> Path:
        """Path of the embedded store, from ``BOT_DATABASE_URL`` or the data dir."""
        url = self.database_url
        if url is None:
            return self.data_dir / "bot.sqlite3"
        if url.startswith("sqlite:///"):
            return Path(url.removeprefix("sqlite:///"))
        raise ConfigError(f"BOT_DATABASE_URL: unsupported database URL scheme in {url.split(':')[0]!r}")

    def signing_key(self) -> bytes | None:
        """The raw Standard Webhooks key, or None when signing is not configured."""
        if self.signing_secret is None:
            return None
        return base64.b64decode(self.signing_secret.get_secret_value().removeprefix("whsec_"))


def load_settings(**overrides: Any) -> Settings:
    """Read the environment, raising ConfigError (one line) instead of a traceback."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        err = exc.errors()[0]
        name = "BOT_" + str(err["loc"][0]).upper() if err["loc"] else "environment"
        raise ConfigError(f"{name}: {err['msg']}") from None
