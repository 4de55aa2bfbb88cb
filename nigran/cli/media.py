"""``nigran media``: hash files, manage hash banks, match, and re-scan stored content."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console

from nigran.cli import app as root_app
from nigran.errors import InvalidInput, NigranError

app = typer.Typer(
    help="Media: hashes, hash banks, matching, retroactive scans.", no_args_is_help=True
)
bank_app = typer.Typer(help="Hash banks (every change is ledgered).", no_args_is_help=True)
app.add_typer(bank_app, name="bank")
root_app.add_typer(app, name="media")

err = Console(stderr=True)
DbOption = Annotated[
    str | None,
    typer.Option("--db", envvar="NIGRAN_DATABASE_URL", help="Database URL (default: SQLite file)."),
]
Actor = Annotated[str, typer.Option("--actor", help="Who makes the change (recorded).")]


def _print(data: Any) -> None:
    sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")


def _fail(exc: NigranError) -> typer.Exit:
    err.print(f"[red]error:[/] {exc}")
    return typer.Exit(2)


def _is_video(path: Path) -> bool:
    return path.suffix.lower() in {".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v", ".3gp"}


def _bank_store(db: str | None) -> Any:
    from nigran.banks.hashes import BankStore, configured_index_dir
    from nigran.store import Store

    store = Store.open(db)
    return BankStore(store, index_dir=configured_index_dir(store))


@app.command("hash")
def hash_file(
    file: Path,
    vpdq: Annotated[
        str,
        typer.Option(
            help="Video hash form: nigran (JSON frames), pytx (python-threatexchange's vpdq "
            "signal string) or file (the vpdq library's frame,quality,hash,timestamp lines)."
        ),
    ] = "nigran",
    pytx_compatible: Annotated[
        bool,
        typer.Option(
            help="Image PDQ as python-threatexchange/HMA compute it: raw channels for palette "
            "and CMYK files (differs from Nigran's only for those)."
        ),
    ] = False,
) -> None:
    """Print a file's MD5, SHA-256 and PDQ (image: 8 dihedral variants; video: vPDQ frames)."""
    from nigran.detect.media.hashing import file_digests, open_image, pdq_dihedral, pdq_pytx
    from nigran.detect.media.vpdq import video_hash

    if vpdq not in ("nigran", "pytx", "file"):
        raise _fail(InvalidInput(f"--vpdq must be nigran, pytx or file, not {vpdq!r}"))
    try:
        digests = file_digests(file) if file.is_file() else None
        if _is_video(file):
            video = video_hash(file)
            if vpdq == "file":
                sys.stdout.write(video.to_vpdq_file())
                return
            value: Any = video.to_pytx() if vpdq == "pytx" else video.to_json()
            out: dict[str, Any] = {"kind": "video", "vpdq": value}
        else:
            image = open_image(file)
            variants = pdq_dihedral(image)[:8]
            upright = pdq_pytx(image) if pytx_compatible else variants[0]
            out = {
                "kind": "image",
                "pdq": upright.hex,
                "quality": upright.quality,
                "dihedral": [v.hex for v in variants],
            }
    except NigranError as exc:
        raise _fail(exc) from exc
    if digests:
        out |= {"md5": digests.md5, "sha256": digests.sha256}
    _print(out)


def _rescan(banks: Any, added: list[Any], enabled: bool) -> dict[str, Any]:
    """Retroactive scan of stored content against just-banked entries."""
    if not enabled or not added:
        return {}
    from nigran.banks.rescan import rescan

    try:
        hits = rescan(banks, [e.id for e in added])
    except NigranError as exc:
        raise _fail(exc) from exc
    return {"rescan": [_hit(h) for h in hits]}


def _hit(h: Any) -> dict[str, Any]:
    return {
        "content_id": h.content_id,
        "version": h.version,
        "entries": h.entry_ids,
        "decision_id": h.decision_id,
        "outcome": h.outcome,
    }


@bank_app.command("create")
def bank_create(
    name: str,
    actor: Actor,
    category: Annotated[str, typer.Option(help="Taxonomy category of a match.")] = "sexual",
    negative: Annotated[
        bool, typer.Option(help="Known-good hashes that suppress matches.")
    ] = False,
    distance: Annotated[int, typer.Option(min=0, max=31, help="PDQ match distance.")] = 31,
    hot_limit: Annotated[int, typer.Option(help="Quarantine above this many matches/hour.")] = 100,
    db: DbOption = None,
) -> None:
    from nigran.detect.media.banks import Bank

    banks = _bank_store(db)
    try:
        with banks.change() as hb:
            bank = hb.create_bank(
                Bank(
                    name,
                    category=category,
                    negative=negative,
                    pdq_distance=distance,
                    hot_limit=hot_limit,
                ),
                actor=actor,
            )
    except NigranError as exc:
        raise _fail(exc) from exc
    _print({"created": bank.name})


@bank_app.command("add")
def bank_add(
    bank: str,
    actor: Actor,
    file: Annotated[Path | None, typer.Option(help="Hash this image/video and bank it.")] = None,
    pdq: Annotated[str | None, typer.Option(help="A PDQ hash (64 hex digits).")] = None,
    note: str = "",
    source: str = "",
    rescan: Annotated[bool, typer.Option(help="Re-match stored content at once.")] = True,
    db: DbOption = None,
) -> None:
    """Bank a file (PDQ for an image, vPDQ and MD5 for a video) or a given PDQ hash."""
    from nigran.detect.media.hashing import file_digests, open_image, pdq_from_image
    from nigran.detect.media.vpdq import bank_video_hash

    banks = _bank_store(db)
    added = []
    try:
        with banks.change() as hb:
            if pdq:
                added.append(hb.add_entry(bank, "pdq", pdq, actor=actor, note=note, source=source))
            if file is not None:
                if _is_video(file):
                    # Sampled 4 times a second, so trimmed copies match (vpdq.BANK_INTERVAL).
                    vh = orjson.dumps(bank_video_hash(file).to_json()).decode()
                    added.append(
                        hb.add_entry(bank, "vpdq", vh, actor=actor, note=note, source=source)
                    )
                    md5 = file_digests(file).md5
                    added.append(
                        hb.add_entry(bank, "video_md5", md5, actor=actor, note=note, source=source)
                    )
                else:
                    h = pdq_from_image(open_image(file))
                    if not h.usable:
                        err.print(f"[yellow]warning:[/] PDQ quality {h.quality} < 50")
                    added.append(
                        hb.add_entry(bank, "pdq", h.hex, actor=actor, note=note, source=source)
                    )
    except NigranError as exc:
        raise _fail(exc) from exc
    _print({"added": [e.public() for e in added], **_rescan(banks, added, rescan)})


@bank_app.command("import")
def bank_import(
    bank: str,
    file: Path,
    actor: Actor,
    fmt: Annotated[str, typer.Option("--format", help="pytx or csv")] = "pytx",
    source: Annotated[str, typer.Option(help="Where the file came from.")] = "",
    rescan: Annotated[bool, typer.Option(help="Re-match stored content at once.")] = True,
    db: DbOption = None,
) -> None:
    """Import a python-threatexchange local file or a CSV export."""
    banks = _bank_store(db)
    try:
        with banks.change() as hb:
            added = hb.import_entries(
                bank,
                file.read_text(encoding="utf-8"),
                fmt=fmt,
                actor=actor,
                source=source or str(file),
            )
    except NigranError as exc:
        raise _fail(exc) from exc
    if len(added) > 1000:
        banks.save_index()  # the next start then loads it instead of patching in every row
    _print({"added": len(added), **_rescan(banks, added, rescan)})


@bank_app.command("export")
def bank_export(
    bank: str,
    fmt: Annotated[str, typer.Option("--format", help="pytx or csv")] = "pytx",
    db: DbOption = None,
) -> None:
    from nigran.detect.media.banks import export_entries

    banks = _bank_store(db).banks
    try:
        text = export_entries((e for e in banks.entries.values() if e.bank == bank), fmt=fmt)
    except NigranError as exc:
        raise _fail(exc) from exc
    sys.stdout.write(text)


@bank_app.command("set")
def bank_set(
    entry_id: int,
    status: Annotated[str, typer.Argument(help="enable, disable or remove")],
    actor: Actor,
    reason: str = "",
    db: DbOption = None,
) -> None:
    """Enable (or release from quarantine), disable or remove one bank entry."""
    banks = _bank_store(db)
    try:
        with banks.change() as hb:
            if status == "enable":
                hb.enable_entry(entry_id, actor=actor, reason=reason)
            elif status == "disable":
                hb.disable_entry(entry_id, actor=actor, reason=reason)
            elif status == "remove":
                hb.remove_entry(entry_id, actor=actor, reason=reason)
            else:
                err.print("[red]error:[/] status must be enable, disable or remove")
                raise typer.Exit(2)
    except NigranError as exc:
        raise _fail(exc) from exc
    _print({"entry": entry_id, "status": status})


@app.command("match")
def match(file: Path, db: DbOption = None) -> None:
    """Match a file against the banks (read-only: hot-hash counters are not touched)."""
    from nigran.detect.media.hashing import file_digests, open_image, pdq_dihedral
    from nigran.detect.media.vpdq import video_variants

    banks = _bank_store(db).banks
    try:
        digests = file_digests(file)
        if _is_video(file):
            # All 8 orientations, as the pipeline matches: a mirrored or rotated re-upload
            # found by ``moderate`` is found here too.
            result = banks.match_video(
                video_variants(file), md5=digests.md5, sha256=digests.sha256, count=False
            )
        else:
            result = banks.match_image(
                pdq_dihedral(open_image(file)),
                md5=digests.md5,
                sha256=digests.sha256,
                count=False,
            )
    except NigranError as exc:
        raise _fail(exc) from exc

    def row(m: Any) -> dict[str, Any]:
        return {
            "bank": m.bank,
            "entry_id": m.entry_id,
            "distance": m.distance,
            "category": m.category,
        }

    _print(
        {
            "matches": [row(m) for m in result.matches],
            "suppressed_by_negative_bank": [row(m) for m in result.suppressed],
        }
    )


@app.command("rescan")
def rescan_cmd(entry_ids: list[int], db: DbOption = None) -> None:
    """Match stored content against bank entries; new signals are decided by policy."""
    from nigran.banks.rescan import rescan

    banks = _bank_store(db)
    try:
        hits = rescan(banks, entry_ids)
    except NigranError as exc:
        raise _fail(exc) from exc
    _print([_hit(h) for h in hits])
