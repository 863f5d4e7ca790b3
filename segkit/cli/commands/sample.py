"""``segkit sample``: realistic sample exports with planted effects."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from segkit.cli.lazy import api
from segkit.cli.app import app
from segkit.cli.environment import environment
from segkit.errors import UsageError


@app.command()
def sample(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Argument(help="Directory to write the sample exports to.")],
    accounts: Annotated[int, typer.Option(help="Number of accounts.")] = 300,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed writes the same files.")] = 7,
    force: Annotated[bool, typer.Option("--force", help="Write into a directory that is not empty.")] = False,
) -> None:
    """Write realistic sample exports (HubSpot, Stripe, Segment, NPS) with planted effects.

    Examples:

    \b
      segkit sample new-samples --accounts 300 --seed 7
    """
    env = environment(ctx)
    if accounts < 1:
        raise UsageError("--accounts must be at least 1")
    for path in api.sample(directory, accounts=accounts, seed=seed, force=force):
        env.write(f"{path}\n")
