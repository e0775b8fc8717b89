"""Bearer tokens (JWT). Dev and tests sign HS256 with JWT_SECRET; production verifies
RS256 against the district IdP's JWKS (JWT_JWKS_URL). Object-level rules live in
`services.access`, applied by each service to its own projection; the tenancy and
role checks in `services.common.guards`.

Every token names its subject (`sub`, non-empty) and its district (`district_id`,
non-empty): a token without a district is refused (401), never read as "all districts".
There is no exception, the service role included: a subscribing system's account
belongs to one district."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import jwt

ROLES = ("student", "guardian", "teacher", "school_admin", "district_admin", "service")


class AuthError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Principal:
    sub: str
    role: str
    district_id: str
    school_ids: tuple[str, ...] = ()
    scopes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def is_admin(self) -> bool:
        return self.role in ("school_admin", "district_admin")

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class TokenVerifier:
    def __init__(self, *, secret: str | None, jwks_url: str | None = None, audience: str = "confer",
                 issuer: str = "confer-dev"):
        self.secret = secret
        self.audience = audience
        self.issuer = issuer
        self._jwks = jwt.PyJWKClient(jwks_url, cache_keys=True) if jwks_url else None

    @classmethod
    def from_settings(cls, settings) -> "TokenVerifier":
        return cls(secret=settings.jwt_secret, jwks_url=settings.jwks_url, audience=settings.jwt_audience,
                   issuer=settings.jwt_issuer)

    def verify(self, token: str) -> Principal:
        try:
            if self._jwks is not None:
                key, algorithms = self._jwks.get_signing_key_from_jwt(token).key, ["RS256"]
            else:
                key, algorithms = self.secret, ["HS256"]
            claims = jwt.decode(token, key, algorithms=algorithms, audience=self.audience, issuer=self.issuer,
                                options={"require": ["exp", "sub", "role"]})
        except jwt.ExpiredSignatureError:
            raise AuthError("The token has expired.") from None
        except jwt.PyJWTError as exc:
            raise AuthError(f"The token is not valid: {exc}.") from None
        role = claims.get("role")
        if role not in ROLES:
            raise AuthError(f"Unknown role {role!r}.")
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub.strip():
            raise AuthError("The token names no subject (sub).")
        district = claims.get("district_id")
        if not isinstance(district, str) or not district.strip():
            raise AuthError("The token names no district (district_id).")
        schools = claims.get("school_ids") or []
        if not isinstance(schools, list) or not all(isinstance(s, str) and s for s in schools):
            raise AuthError("school_ids must be a list of school ids.")
        return Principal(sub=sub, role=role, district_id=district, school_ids=tuple(schools),
                         scopes=tuple(str(claims.get("scope", "")).split()))


def mint(secret: str, *, sub: str, role: str, district_id: str | None = None, school_ids=(), scopes=(),
         ttl: int = 3600, audience: str = "confer", issuer: str = "confer-dev") -> str:
    """A dev/test token signed with the HS256 secret (`confer token`)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    now = int(time.time())
    claims = {"sub": sub, "role": role, "district_id": district_id, "school_ids": list(school_ids),
              "scope": " ".join(scopes), "iat": now, "exp": now + ttl, "aud": audience, "iss": issuer}
    return jwt.encode(claims, secret, algorithm="HS256")
