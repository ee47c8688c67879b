"""Who is asking: logins (the start-up token or an account), sessions, CSRF, access rights.

* Local use: the server prints a URL with a login token (as Jupyter does); opening it
  starts a session with every right (the person at the console started the server). The
  token works once: exchanged for the session cookie, it is spent (kept in the database
  only as its hash), so a URL that leaks later (browser history, a shared screen, a proxy
  log) logs nobody in. ``serve --login-link`` issues a new one for the running server.
* A team: accounts (username, scrypt password hash), each given the programs it may see;
  an admin account sees all. ``serve`` refuses a non-local address without accounts.

The session is a random token in an HttpOnly, SameSite=Strict cookie, kept in the database
only as its hash; each session has its own CSRF token, which every state-changing request
carries in the ``X-CSRF-Token`` header or the ``csrf_token`` form field.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi import HTTPException, Request

from service import db
from service.security import check_password, hash_password, new_token, same, token_hash

SESSION_COOKIE = "mm_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SESSION_HOURS = 12
USERNAME_PATTERN = r"^[A-Za-z0-9_.@-]{1,64}$"
#: Methods that change state and so must carry the CSRF token.
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass(frozen=True)
class Principal:
    """The logged-in user of a request."""

    username: str
    is_admin: bool
    csrf: str
    programs: frozenset[str]  # the programs an account may see (admins: all)

    def can_see(self, program_id: str) -> bool:
        return self.is_admin or program_id in self.programs


class NotLoggedIn(HTTPException):
    """401: no valid session (pages turn it into a redirect to the login page)."""

    def __init__(self) -> None:
        super().__init__(status_code=401, detail="Log in first: open the URL with the token "
                                                 "that `mentormatch serve` printed.")


def accounts_exist(db_path: Path) -> bool:
    """True when at least one coordinator account is configured."""
    with db.opened(db_path) as connection:
        return connection.execute("SELECT COUNT(*) FROM users").fetchone()[0] > 0


def add_account(db_path: Path, username: str, password: str, programs: tuple[str, ...],
                *, admin: bool = False) -> None:
    """Create or update an account (password hashed) and give it ``programs``."""
    import re

    if not re.match(USERNAME_PATTERN, username):
        raise ValueError("usernames are 1-64 letters, digits and _ . @ -")
    if len(password) < 10:
        raise ValueError("passwords need at least 10 characters")
    with db.opened(db_path) as connection, db.transaction(connection):
        connection.execute("INSERT INTO users VALUES (?, ?, ?, ?) ON CONFLICT(username) DO "
                           "UPDATE SET password_hash=excluded.password_hash, "
                           "is_admin=excluded.is_admin",
                           (username, hash_password(password), int(admin), db.now()))
        for program in programs:
            connection.execute("INSERT OR IGNORE INTO user_programs VALUES (?, ?)",
                               (username, program))
        db.log(connection, "console", "account.set", None,
               f"{username} (admin={admin}) programs={','.join(programs)}")


#: Unused login tokens expire after this long (the printed URL is for opening now).
LOGIN_TOKEN_HOURS = 24


def issue_login_token(db_path: Path, token: str | None = None, *,
                      revoke_others: bool = False) -> str:
    """Make ``token`` (default: a new random one) good for one login; return it.

    ``revoke_others``: a server starting makes the tokens of earlier starts worthless.
    """
    token = token or new_token()
    with db.opened(db_path) as connection, db.transaction(connection):
        if revoke_others:
            connection.execute("DELETE FROM login_tokens")
        connection.execute("INSERT OR REPLACE INTO login_tokens VALUES (?, ?, NULL)",
                           (token_hash(token), db.now()))
    return token


def spend_login_token(db_path: Path, token: str) -> bool:
    """True (once) for a token issued within LOGIN_TOKEN_HOURS and not used yet; it is
    spent in the same statement, so two requests racing with it cannot both log in."""
    oldest = (datetime.now(UTC) - timedelta(hours=LOGIN_TOKEN_HOURS)).replace(microsecond=0)
    with db.opened(db_path) as connection:
        cursor = connection.execute(
            "UPDATE login_tokens SET used_at=? WHERE token_hash=? AND used_at IS NULL AND "
            "created_at>=?", (db.now(), token_hash(token), oldest.isoformat()))
        return cursor.rowcount == 1


def grant(connection: sqlite3.Connection, username: str, program_id: str) -> None:
    """Let an account see a program (its creator gets it automatically)."""
    connection.execute("INSERT OR IGNORE INTO user_programs VALUES (?, ?)",
                       (username, program_id))


def create_session(db_path: Path, username: str, is_admin: bool) -> tuple[str, str]:
    """A new session; returns (cookie token, CSRF token)."""
    token, csrf = new_token(), new_token()
    expires = datetime.now(UTC) + timedelta(hours=SESSION_HOURS)
    with db.opened(db_path) as connection, db.transaction(connection):
        connection.execute("DELETE FROM sessions WHERE expires_at < ?", (db.now(),))
        connection.execute("INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?)",
                           (token_hash(token), username, int(is_admin), csrf, db.now(),
                            expires.replace(microsecond=0).isoformat()))
        db.log(connection, username, "login", None, "")
    return token, csrf


def end_session(db_path: Path, token: str | None) -> None:
    if token:
        with db.opened(db_path) as connection:
            connection.execute("DELETE FROM sessions WHERE token_hash=?", (token_hash(token),))


def principal_for(db_path: Path, token: str | None) -> Principal | None:
    """The user of a session cookie, or None (missing, unknown or expired)."""
    if not token or len(token) > 100:
        return None
    with db.opened(db_path) as connection:
        row = connection.execute("SELECT * FROM sessions WHERE token_hash=? AND expires_at>?",
                                 (token_hash(token), db.now())).fetchone()
        if row is None:
            return None
        programs = frozenset(r[0] for r in connection.execute(
            "SELECT program_id FROM user_programs WHERE username=?", (row["username"],)))
    return Principal(row["username"], bool(row["is_admin"]), row["csrf"], programs)


def check_account(db_path: Path, username: str, password: str) -> bool | None:
    """None when the login fails, else whether the account is an admin."""
    with db.opened(db_path) as connection:
        row = connection.execute("SELECT * FROM users WHERE username=?",
                                 (username,)).fetchone()
    if row is None:
        # Spend the same time as a real check so timing does not reveal usernames.
        check_password(password, _DUMMY_HASH)
        return None
    return bool(row["is_admin"]) if check_password(password, row["password_hash"]) else None


_DUMMY_HASH = hash_password("not a password of anyone")


def require_user(request: Request) -> Principal:
    """FastAPI dependency: the request's user, or 401."""
    principal = principal_for(request.app.state.settings.workspace.db_path,
                              request.cookies.get(SESSION_COOKIE))
    if principal is None:
        raise NotLoggedIn()
    return principal


async def require_csrf(request: Request) -> Principal:
    """FastAPI dependency for state-changing routes: the user, and a matching CSRF token."""
    principal = require_user(request)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not same(sent, principal.csrf):
        raise HTTPException(status_code=403, detail="Missing or wrong CSRF token: reload the "
                                                    "page and try again.")
    return principal
