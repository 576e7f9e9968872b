"""Optional API keys, checked in ASGI middleware so no unauthenticated body is ever read."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from fastapi import HTTPException, Request
from pydantic import SecretStr
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from service.deps import SettingsDep
from service.errors import error

PRINCIPAL = "newsrag.principal"  # the scope key the caller's Principal is kept under
# Probes, the chat page, its assets and the API description: no key, no rate limit.
OPEN_PATHS = frozenset(
    {
        "/",
        "/favicon.ico",
        "/healthz",
        "/readyz",
        "/docs",
        "/docs/oauth2-redirect",
        "/redoc",
        "/openapi.json",
    }
)
OPEN_PREFIXES = ("/static/", "/docs-assets/")
REALM = 'Bearer realm="newsrag"'
NO_KEY = "this endpoint needs an API key: send `Authorization: Bearer KEY` (NEWSRAG_API_KEYS)"
BAD_KEY = "the API key is not one of NEWSRAG_API_KEYS or NEWSRAG_ADMIN_KEYS"


@dataclass(frozen=True)
class Principal:
    """A caller, named by a digest of its key so that logs and rate limits never hold the key."""

    id: str
    admin: bool


def is_open(path: str) -> bool:
    return path in OPEN_PATHS or path.startswith(OPEN_PREFIXES)


def bearer(authorization: str | None) -> str | None:
    """The token of `Authorization: Bearer TOKEN`; None for no header or another scheme."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


class KeyRing:
    """Every configured key; a lookup compares against all of them, in constant time each."""

    def __init__(self, keys: list[SecretStr], admin_keys: list[SecretStr]) -> None:
        ring = [(k, True) for k in admin_keys] + [(k, False) for k in keys]
        self._ring = [(k.get_secret_value().encode(), Principal(_name(k), a)) for k, a in ring]

    def __bool__(self) -> bool:
        return bool(self._ring)

    def find(self, token: str) -> Principal | None:
        given, found = token.encode(), None
        for secret, principal in self._ring:  # no early exit: timing must not tell which matched
            if hmac.compare_digest(secret, given) and found is None:
                found = principal
        return found


def _name(key: SecretStr) -> str:
    return "key:" + hashlib.sha256(key.get_secret_value().encode()).hexdigest()[:12]


class ApiKeys:
    """Refuses protected paths without a valid key (when `required`) and any unknown key;
    a valid caller's Principal goes into the scope for the admin check and the rate limit."""

    def __init__(self, app: ASGIApp, ring: KeyRing, required: bool) -> None:
        self.app, self.ring, self.required = app, ring, required

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.ring or is_open(scope["path"]):
            await self.app(scope, receive, send)
            return
        token = bearer(Headers(scope=scope).get("authorization"))
        principal = self.ring.find(token) if token else None
        if principal is None and (token or self.required):
            await unauthorized(bad_key=bool(token))(scope, receive, send)
            return
        scope[PRINCIPAL] = principal
        await self.app(scope, receive, send)


def unauthorized(bad_key: bool) -> ASGIApp:
    if bad_key:
        headers = {"WWW-Authenticate": f'{REALM}, error="invalid_token"'}
        return error(401, "unauthorized", BAD_KEY, headers=headers)
    return error(401, "unauthorized", NO_KEY, headers={"WWW-Authenticate": REALM})


def principal_of(scope: Scope) -> Principal | None:
    found: Principal | None = scope.get(PRINCIPAL)
    return found


async def require_admin(request: Request, settings: SettingsDep) -> None:
    """Once NEWSRAG_ADMIN_KEYS is set, changing documents takes one of those keys."""
    if not settings.admin_keys:
        return
    principal = principal_of(request.scope)
    if principal is None:
        message = "changing documents needs an admin key (NEWSRAG_ADMIN_KEYS is set)"
        raise HTTPException(401, message, headers={"WWW-Authenticate": REALM})
    if not principal.admin:
        message = "this key may read but not change documents: that takes NEWSRAG_ADMIN_KEYS"
        raise HTTPException(403, message)
