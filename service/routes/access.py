"""What the caller's key may do, so a page shows only the controls that will work."""

from __future__ import annotations

from fastapi import APIRouter, Request

from service.deps import SettingsDep
from service.schemas import Access
from service.security import principal_of

router = APIRouter(tags=["documents"])


@router.get("/access", response_model=Access)
def access(request: Request, settings: SettingsDep) -> Access:
    """`admin` may add and delete documents: any caller while NEWSRAG_ADMIN_KEYS is unset."""
    principal = principal_of(request.scope)
    admin = not settings.admin_keys or (principal is not None and principal.admin)
    return Access(keys_required=bool(settings.api_keys), role="admin" if admin else "user")
