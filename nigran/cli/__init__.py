"""The ``nigran`` command: thin wrappers over library calls, one module per area.

Each area (text detection, policy, media, review, legal) adds its commands as a typer sub-app in
its own module here and registers it in :func:`build_app`; nothing else changes.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="nigran",
    help="Nigran: trust and safety for Urdu, Roman Urdu, Punjabi, Pashto, Sindhi and English.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def build_app() -> typer.Typer:
    from nigran.cli import (  # noqa: F401  (each registers its commands on import)
        core,
        legal,
        media,
        plan,
        policy,
        report,
        review,
        stream,
        text,
    )

    return app


def main() -> None:
    from nigran.errors import ConfigError

    try:
        build_app()()
    except ConfigError as exc:
        # A bad setting or a missing model found deep inside a command: one line, not a
        # traceback (commands that know better catch their own errors first).
        import sys

        where = f" ({exc.where})" if exc.where else ""
        print(f"error: {exc}{where}", file=sys.stderr)
        raise SystemExit(2) from None
