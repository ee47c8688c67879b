"""FastAPI dependencies shared by the pages and the API: the request's :class:`Context`.

``Reader`` needs a session; ``Writer`` also needs the session's CSRF token (every
state-changing request).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from service.auth import Principal, require_csrf, require_user
from service.operations import Context


def reader(request: Request, user: Annotated[Principal, Depends(require_user)]) -> Context:
    """A context for a read-only request (session required)."""
    return Context(request.app.state.settings.workspace, request.app.state.runner, user)


def writer(request: Request, user: Annotated[Principal, Depends(require_csrf)]) -> Context:
    """A context for a state-changing request (session and CSRF token required)."""
    return Context(request.app.state.settings.workspace, request.app.state.runner, user)


Reader = Annotated[Context, Depends(reader)]
Writer = Annotated[Context, Depends(writer)]
User = Annotated[Principal, Depends(require_user)]
