"""flask-smorest Api that answers errors in the contract's format."""

from __future__ import annotations

import flask_smorest


class Api(flask_smorest.Api):
    def _register_error_handlers(self) -> None:
        # Our handlers (server/errors.py) cover every path; smorest's own would use another shape.
        pass
