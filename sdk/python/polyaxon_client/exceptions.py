"""Exception names from polyaxon-client 0.x, so ``except`` clauses keep working."""


class PolyaxonClientException(Exception):
    pass


class AuthenticationError(PolyaxonClientException):
    pass


class PolyaxonHTTPError(PolyaxonClientException):
    pass
