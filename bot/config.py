"""One Settings object, built once in ``main`` and passed down (never at import)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DB_PATH = Path("practice-bot.db")


def normalise_database_url(url: str) -> str:
    """Map the plain URLs people write to the async drivers the code uses.

    ``sqlite:///x.db`` -> ``sqlite+aiosqlite:///x.db``; ``postgres://`` and
    ``postgresql://`` (or ``+psycopg2``) -> ``postgresql+asyncpg://``.
    """
    url = url.strip()
    if not url:
        raise ValueError("DATABASE_URL is empty")
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError(f"DATABASE_URL {url!r} is not a URL (expected e.g. sqlite:///practice.db)")
    base = scheme.split("+", 1)[0].lower()
    if base == "sqlite":
        return f"sqlite+aiosqlite://{rest}"
    if base in {"postgres", "postgresql"}:
        return f"postgresql+asyncpg://{rest}"
    raise ValueError(f"DATABASE_URL scheme {scheme!r} is not supported (use sqlite or postgresql)")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(default=f"sqlite:///{DEFAULT_DB_PATH}")
    default_timezone: str = "UTC"
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"
    """``json``: one JSON object per line (time, level, logger, message, error id, platform, event key)."""
    metrics_port: int | None = Field(default=None, ge=0, le=65535)
    """Serve ``/metrics``, ``/healthz``, ``/readyz`` on this port (every mode; Slack HTTP mode serves them
    on ``PORT`` as well). Off by default."""
    metrics_host: str = "0.0.0.0"  # noqa: S104  (scraped from outside the container)

    # Slack
    slack_bot_token: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_mode: Literal["socket", "http"] = "socket"
    slack_client_id: str | None = None
    """With ``SLACK_CLIENT_SECRET``: install in many workspaces (OAuth v2, HTTP mode) instead of one token."""
    slack_client_secret: SecretStr | None = None
    slack_redirect_uri: str | None = None
    """The OAuth redirect URL when it is not the one set in the app's settings (``.../slack/oauth_redirect``)."""
    slack_api_url: str | None = None
    slack_admin_ids: Annotated[list[str], NoDecode] = Field(default_factory=list)
    host: str = "0.0.0.0"  # noqa: S104  (a container's HTTP endpoint listens on every interface)
    port: int = 3000

    # Discord
    discord_token: SecretStr | None = None
    discord_application_id: str | None = None
    discord_dev_guild_id: int | None = None
    discord_private_threads: bool = False

    # LLM scoring
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    openai_model: str = "gpt-4o-mini"
    llm_timeout_seconds: float = 30.0
    llm_max_concurrency: int = 4
    llm_max_retries: int = 2

    # behaviour
    tick_seconds: float = 5.0
    probe_pause_seconds: int = Field(default=20, ge=1)
    """Follow-up probes: asked once the candidate has written nothing for this long."""
    probe_min_seconds_left: int = Field(default=45, ge=0)
    probe_min_share_left: float = Field(default=0.25, ge=0, le=1)
    probes_per_phase: int = Field(default=2, ge=0)
    heartbeat_file: Path | None = None
    """Touched on every tick; ``practice-bot healthcheck`` reads its age (containers)."""
    prompt_window_hours: float | None = None
    """How long a daily prompt takes answers; default: until the end of the channel's local day."""
    max_pause_days: int = Field(default=14, ge=1, le=366)
    """The longest ``/practice pause`` a member may take at a time (``MAX_PAUSE_DAYS``)."""

    @field_validator("database_url")
    @classmethod
    def _normalise_db(cls, value: str) -> str:
        url = normalise_database_url(value)
        if url.startswith("sqlite") and (url.endswith(":memory:") or url.rstrip("/").endswith("aiosqlite:")):
            raise ValueError("an in-memory SQLite database would lose everything on restart; use a file, "
                             "e.g. sqlite:///practice-bot.db")
        return url

    @field_validator("default_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {value!r}") from exc
        return value

    @field_validator("slack_admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @property
    def llm_configured(self) -> bool:
        return bool(self.openai_base_url or self.openai_api_key)

    @property
    def slack_oauth(self) -> bool:
        """Many workspaces, each with the bot token its install gave (``SLACK_CLIENT_ID`` and ``..._SECRET``)."""
        return self.slack_client_id is not None and self.slack_client_secret is not None

    @property
    def slack_configured(self) -> bool:
        return self.slack_bot_token is not None or self.slack_oauth

    @property
    def secrets(self) -> list[str]:
        """Every secret value set, for the log filter that keeps them out of the logs."""
        values = [self.slack_bot_token, self.slack_app_token, self.slack_signing_secret, self.slack_client_secret,
                  self.discord_token, self.openai_api_key]
        return [value.get_secret_value() for value in values if value is not None and value.get_secret_value()]

    @property
    def discord_configured(self) -> bool:
        return self.discord_token is not None
