"""One error type for everything a client can get wrong or the service cannot do.

Views and the command line raise these; the app turns them into one JSON shape
(`{"ok": false, "error": ..., "status": ...}`) or the `error.html` page. Nothing else
reaches a client: any other exception becomes a plain 500 message without a trace.
"""


class ServiceError(Exception):
    status = 400

    def __init__(self, message, status=None, **details):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        self.details = details

    def as_json(self):
        return {"ok": False, "error": self.message, "status": self.status, **self.details}


class BadRequest(ServiceError):
    status = 400


class ParamError(BadRequest):
    """A canned-query parameter is missing, malformed or of the wrong type."""

    def __init__(self, param, message):
        super().__init__(f"参数 {param}: {message}", param=param)


class QuerySyntaxError(BadRequest):
    """The SPARQL text does not parse; details carry the parser's message and position."""


class Forbidden(ServiceError):
    status = 403


class NotFound(ServiceError):
    status = 404


class NotAcceptable(ServiceError):
    status = 406


class PayloadTooLarge(ServiceError):
    status = 413


class StoreUnavailable(ServiceError):
    """The remote store is down or answered with an error of its own."""

    status = 503


class QueryTimeout(ServiceError):
    """The query ran past its time limit and was stopped."""

    status = 504


class BuildError(Exception):
    """The build stopped; the message names the file and line, or the focus node."""
