"""Settings from ``NIGRAN_*`` environment variables or a TOML file, with sane defaults.

Precedence: environment, then the file named by ``NIGRAN_CONFIG`` (``[nigran]`` table), then
defaults. With nothing set, Nigran uses a SQLite file under the user's data directory and needs
no server.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import platformdirs

from nigran.errors import ConfigError


def _default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("nigran", appauthor=False))


DEFAULT_MAX_REQUEST_BYTES = 8 * 1024 * 1024
DEFAULT_MAX_BATCH_ITEMS = 1000
DEFAULT_DSA_URL = "https://transparency.dsa.ec.europa.eu"


@dataclass(frozen=True, slots=True)
class Settings:
    data_dir: Path
    database_url: str
    stream_url: str | None = None
    """NATS URL for the distributed runner; None runs everything in-process."""
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES
    max_batch_items: int = DEFAULT_MAX_BATCH_ITEMS
    training_data_dir: Path = Path("../shared/data")
    freeze_heap: bool = True
    """Whether ``serve``, ``moderate`` and ``worker`` freeze their start-up heap out of the garbage
    collector's walks (see :mod:`nigran.runtime.heap`)."""
    text_encoder: str | None = None
    """The pretrained encoder blended into the text heads (``e5``), or None (the default: off;
    see :mod:`nigran.detect.text.encoder`)."""
    text_second_stage: bool = False
    """Whether texts the linear heads are unsure about go on to the fine-tuned encoder
    (:mod:`nigran.detect.text.second_stage`); off by default: it reads about a fifth of the
    texts at tens of milliseconds each (docs/detection.md)."""
    trusted_proxies: tuple[str, ...] = ()
    """Addresses (or networks) of reverse proxies whose ``X-Forwarded-For`` names the client;
    from anyone else the header is ignored. Default none: the peer's own address counts."""
    checkpoint_log: Path | None = None
    """The append-only file every signed ledger checkpoint is also written to (JSON lines);
    None means ``ledger-checkpoints.jsonl`` in the data directory."""
    checkpoint_every_s: int | None = None
    """Sign a checkpoint this often (seconds), as a scheduled duty; None: only on command."""
    dsa_url: str = DEFAULT_DSA_URL
    """The DSA Transparency Database's base URL (``nigran dsa submit`` posts to
    ``<dsa_url>/api/v1/statements``)."""
    dsa_token: str | None = None
    """The platform's API token for the Transparency Database (``NIGRAN_DSA_TOKEN``); never
    printed or stored by Nigran."""
    dsa_retry_max: int = 8
    """Attempts per statement (the first included) before a failing DSA submission is given up
    and left for ``nigran dsa submit`` to send again."""
    dsa_retry_base_s: int = 60
    """The first retry of a failed DSA submission waits this long; each further one twice as
    long (plus up to a quarter more, at random), up to ``dsa_retry_cap_s``."""
    dsa_retry_cap_s: int = 6 * 3600
    retention_every_s: int = 86400
    """How often the scheduler erases what the packs' retention periods say (seconds)."""


_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def _flag(name: str, value: Any, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise ConfigError(f"invalid setting: {name} must be true or false, not {value!r}")


def _encoder(value: Any) -> str | None:
    text = "" if value is None or value is False else str(value).strip().lower()
    if text in ("", *_FALSE):
        return None
    if text in ("e5", *_TRUE):
        return "e5"
    raise ConfigError(f"invalid setting: NIGRAN_TEXT_ENCODER must be e5 or off, not {value!r}")


def _proxies(value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, list | tuple) else str(value or "").split(",")
    out = []
    for item in items:
        text = str(item).strip()
        if not text:
            continue
        try:
            ipaddress.ip_network(text, strict=False)
        except ValueError as exc:
            raise ConfigError(
                f"invalid setting: NIGRAN_TRUSTED_PROXIES must list IP addresses or networks, "
                f"not {text!r}"
            ) from exc
        out.append(text)
    return tuple(out)


def _from_file() -> dict[str, Any]:
    path = os.environ.get("NIGRAN_CONFIG")
    if not path:
        return {}
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read config file: {exc}", where=path) from exc
    section = data.get("nigran", data)
    if not isinstance(section, dict):
        raise ConfigError("[nigran] must be a table", where=path)
    return section


def _positive(raw: Any) -> int | None:
    if raw in (None, ""):
        return None
    n = int(raw)
    if n <= 0:
        raise ValueError(f"checkpoint_every_s must be a positive number of seconds, not {raw!r}")
    return n


def _count(name: str, raw: Any, default: int) -> int:
    if raw in (None, ""):
        return default
    n = int(raw)
    if n <= 0:
        raise ValueError(f"{name} must be a positive whole number, not {raw!r}")
    return n


def settings() -> Settings:
    """Read settings now (cheap; not cached, so tests can change the environment)."""
    raw: dict[str, Any] = _from_file()
    for f in fields(Settings):
        env = os.environ.get(f"NIGRAN_{f.name.upper()}")
        if env is not None:
            raw[f.name] = env
    data_dir = Path(raw.get("data_dir") or _default_data_dir())
    url = raw.get("database_url") or f"sqlite:///{data_dir / 'nigran.sqlite3'}"
    try:
        return Settings(
            data_dir=data_dir,
            database_url=str(url),
            stream_url=raw.get("stream_url") or None,
            max_request_bytes=int(raw.get("max_request_bytes", DEFAULT_MAX_REQUEST_BYTES)),
            max_batch_items=int(raw.get("max_batch_items", DEFAULT_MAX_BATCH_ITEMS)),
            training_data_dir=Path(raw.get("training_data_dir", "../shared/data")),
            freeze_heap=_flag("NIGRAN_FREEZE_HEAP", raw.get("freeze_heap"), True),
            text_encoder=_encoder(raw.get("text_encoder")),
            text_second_stage=_flag(
                "NIGRAN_TEXT_SECOND_STAGE", raw.get("text_second_stage"), False
            ),
            trusted_proxies=_proxies(raw.get("trusted_proxies")),
            checkpoint_log=Path(raw["checkpoint_log"]) if raw.get("checkpoint_log") else None,
            checkpoint_every_s=_positive(raw.get("checkpoint_every_s")),
            dsa_url=str(raw.get("dsa_url") or DEFAULT_DSA_URL).rstrip("/"),
            dsa_token=str(raw["dsa_token"]) if raw.get("dsa_token") else None,
            dsa_retry_max=_count("dsa_retry_max", raw.get("dsa_retry_max"), 8),
            dsa_retry_base_s=_count("dsa_retry_base_s", raw.get("dsa_retry_base_s"), 60),
            dsa_retry_cap_s=_count("dsa_retry_cap_s", raw.get("dsa_retry_cap_s"), 6 * 3600),
            retention_every_s=_count("retention_every_s", raw.get("retention_every_s"), 86400),
        )
    except ValueError as exc:
        raise ConfigError(f"invalid setting: {exc}") from exc
