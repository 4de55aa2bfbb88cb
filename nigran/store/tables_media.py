"""Tables of the media area: hash banks, their entries, and the catalogue of stored media hashes
that a retroactive scan matches new bank entries against."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from nigran.store.tables import UtcDateTime, metadata

media_banks = Table(
    "media_banks",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("category", String(64), nullable=False),
    Column("negative", Boolean, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("pdq_distance", Integer, nullable=False),
    Column("video_share", Float, nullable=False),
    Column("hot_limit", Integer),
    Column("hot_window_s", Integer, nullable=False),
    Column("severity", Integer, nullable=False),
    Column("note", Text, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

media_bank_entries = Table(
    "media_bank_entries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("bank", String(64), ForeignKey("media_banks.name"), nullable=False),
    Column("signal_type", String(16), nullable=False),
    Column("value", Text, nullable=False),
    Column("note", Text, nullable=False),
    Column("source", String(256), nullable=False),
    Column("status", String(16), nullable=False),
    Column("metadata", JSON, nullable=False),
    Column("added_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)
Index("ix_media_bank_entries_bank", media_bank_entries.c.bank)

media_hashes = Table(
    "media_hashes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("content_id", String(256), nullable=False),
    Column("version", Integer, nullable=False),
    Column("media_ref", String(2048), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("md5", String(32)),
    Column("sha256", String(64)),
    Column("hashes", JSON, nullable=False),
    # Image: the 8 dihedral PDQ hex values and quality; video: the vPDQ frame list; or an
    # "error" when the file could not be read.
    Column("created_at", UtcDateTime, nullable=False),
)
Index("ix_media_hashes_content", media_hashes.c.content_id, media_hashes.c.version)
