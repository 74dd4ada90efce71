"""Uniform operator-facing errors: one red line on stderr and exit code 1."""

import typer


def fail(message: str) -> typer.Exit:
    """Report and return the exit to raise: `raise fail("...")`."""
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(1)
