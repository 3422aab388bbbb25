"""The gateway's exception tree: every refusal carries a fault code, an HTTP status and its issues.

GatewayError
+-- IntakeError (400)              the bytes are not an acceptable message
|   +-- MalformedXml               XML_MALFORMED
|   +-- BadEncoding                XML_BAD_ENCODING
|   +-- DtdForbidden               XML_DTD_FORBIDDEN
|   +-- EntityForbidden            XML_ENTITY_FORBIDDEN
|   +-- XIncludeForbidden          XML_XINCLUDE_FORBIDDEN
|   +-- TooDeep                    XML_TOO_DEEP
|   +-- TooManyElements            XML_TOO_MANY_ELEMENTS
|   +-- AttributeTooLong           XML_ATTRIBUTE_TOO_LONG
|   +-- NamespaceTooLong           XML_NAMESPACE_TOO_LONG
|   +-- NameTooLong                XML_NAME_TOO_LONG
|   +-- TooManyNamespaces          XML_TOO_MANY_NAMESPACES
|   +-- SchemaHintForbidden        XML_SCHEMA_HINT_FORBIDDEN
|   +-- UnknownMessage             MESSAGE_UNKNOWN
|   +-- SchemaInvalid              SCHEMA_INVALID
|   +-- ContentInvalid             MESSAGE_INVALID
|   +-- ValueOutOfRange            VALUE_OUT_OF_RANGE
|   +-- ParameterInvalid           PARAMETER_INVALID
+-- TooLarge (413)                 XML_TOO_LARGE
+-- UnsupportedMediaType (415)     CONTENT_TYPE_UNSUPPORTED
+-- NotFound (404)                 NOT_FOUND
+-- InternalError (500)            INTERNAL
+-- Unavailable (503)              UNAVAILABLE     the database cannot serve now (store.errors.StoreUnavailable)
Defined beside their checks: auth.Unauthenticated (401), auth.Forbidden (403), auth.RateLimited (429),
intake.BodyTimeout (408), intake.BadContentEncoding (400), admin_views.PreconditionRequired (428),
soap.SoapInvalid (400), soap.SoapMustUnderstand (400), soap.SoapVersionMismatch (415),
framing.FramingError (the status aiohttp chose for a request it could not read).
Domain refusals (handlers.errors) map to 400, 404, 409 or 412 by their kind.
"""

from __future__ import annotations

from dataclasses import dataclass

from store.errors import StoreUnavailable


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found in a message, with its position when known."""

    message: str
    line: int | None = None
    column: int | None = None
    xpath: str | None = None

    def __str__(self) -> str:
        where = ":".join(str(part) for part in (self.line, self.column) if part is not None)
        path = f" {self.xpath}:" if self.xpath else ""
        return f"{where}:{path} {self.message}" if where else f"{path} {self.message}".strip()


class GatewayError(Exception):
    """Base of every refusal the gateway answers with a fault."""

    code = "ERROR"
    http_status = 500

    def __init__(self, message: str, issues: tuple[Issue, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.issues = issues


class IntakeError(GatewayError):
    """The request body is not an acceptable message."""

    code = "INTAKE_REFUSED"
    http_status = 400


class MalformedXml(IntakeError):
    code = "XML_MALFORMED"


class BadEncoding(IntakeError):
    code = "XML_BAD_ENCODING"


class DtdForbidden(IntakeError):
    code = "XML_DTD_FORBIDDEN"


class EntityForbidden(IntakeError):
    code = "XML_ENTITY_FORBIDDEN"


class XIncludeForbidden(IntakeError):
    code = "XML_XINCLUDE_FORBIDDEN"


class TooDeep(IntakeError):
    code = "XML_TOO_DEEP"


class TooManyElements(IntakeError):
    code = "XML_TOO_MANY_ELEMENTS"


class AttributeTooLong(IntakeError):
    code = "XML_ATTRIBUTE_TOO_LONG"


class NamespaceTooLong(IntakeError):
    code = "XML_NAMESPACE_TOO_LONG"


class NameTooLong(IntakeError):
    code = "XML_NAME_TOO_LONG"


class TooManyNamespaces(IntakeError):
    code = "XML_TOO_MANY_NAMESPACES"


class SchemaHintForbidden(IntakeError):
    code = "XML_SCHEMA_HINT_FORBIDDEN"


class UnknownMessage(IntakeError):
    code = "MESSAGE_UNKNOWN"


class SchemaInvalid(IntakeError):
    code = "SCHEMA_INVALID"


class ContentInvalid(IntakeError):
    code = "MESSAGE_INVALID"


class ValueOutOfRange(IntakeError):
    """A schema-valid value the gateway cannot hold (an instant outside the calendar after its zone shift)."""

    code = "VALUE_OUT_OF_RANGE"


class ParameterInvalid(IntakeError):
    """A query parameter that is unknown, repeated or not of the form its endpoint accepts."""

    code = "PARAMETER_INVALID"

    def __init__(self, name: str, accepts: str) -> None:
        super().__init__(f"query parameter {name!r} must be {accepts}", (Issue(accepts, xpath=name),))
        self.parameter = name


class TooLarge(GatewayError):
    code = "XML_TOO_LARGE"
    http_status = 413


class UnsupportedMediaType(GatewayError):
    code = "CONTENT_TYPE_UNSUPPORTED"
    http_status = 415


class NotFound(GatewayError):
    code = "NOT_FOUND"
    http_status = 404


class InternalError(GatewayError):
    code = "INTERNAL"
    http_status = 500


class Unavailable(GatewayError):
    """The database cannot serve now (restarting, unreachable, out of connections): nothing was written, and the
    same message sent again after `retry_after` seconds is answered (exactly once, by its message id)."""

    code = "UNAVAILABLE"
    http_status = 503

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    @classmethod
    def of(cls, error: StoreUnavailable) -> Unavailable:
        """What a caller is told: no internals of the database, only that it should try again shortly."""
        return cls("the gateway's database is unavailable; send the message again shortly", error.retry_after)
