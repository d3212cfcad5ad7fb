"""Exit codes, and the user's mistakes as one line on stderr instead of a traceback.

Exit codes: 0 success; 1 the data does not conform (validate, build); 2 bad input — a file that
cannot be loaded, a malformed query, an unknown option value; 3 a remote store failed (it could not
be reached, refused access, flagged a partial result, or a push did not finish).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, NoReturn

import click

from kg.endpoint.refused import QueryRefused
from kg.pipeline.build import BuildRefused
from kg.pipeline.load import LoadError
from kg.store import QuerySyntaxError, RemoteStoreError
from kg.store.serialize import FormatError

EXIT_OK, EXIT_NONCONFORMING, EXIT_BAD_INPUT, EXIT_REMOTE = 0, 1, 2, 3


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    """Print ``error: message`` on stderr and exit with ``code``."""
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def user_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the user's mistakes into one line on stderr and exit 2, never a traceback; data that
    does not conform (a refused build) prints its violations and exits 1."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except BuildRefused as refused:
            click.echo(refused.validation.format(), err=True)
            fail(str(refused), EXIT_NONCONFORMING)
        except (LoadError, QuerySyntaxError, QueryRefused, FormatError, FileExistsError) as exc:
            fail(str(exc))
        except RemoteStoreError as exc:
            fail(str(exc), EXIT_REMOTE)

    return wrapper
