"""``mentormatch serve``: the matching service (web pages and JSON API) on this machine.

The web stack is imported only when the command runs, so other commands stay fast.
"""

from __future__ import annotations

import ipaddress
import os

import click

LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach."""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def login_url(host: str, port: int, token: str) -> str:
    """The URL that logs in with ``token`` (IPv6 addresses in brackets)."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/login?token={token}"


@click.command("serve")
@click.option("--workspace", type=click.Path(file_okay=False), default="mentormatch-workspace",
              show_default=True, help="Folder holding the programs, uploads, runs and the "
                                      "database (created if missing).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but this machine needs accounts "
                   "(--add-account).")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--demo", is_flag=True, help="Load the sample program into the workspace.")
@click.option("--workers", type=click.IntRange(1, 16), default=1, show_default=True,
              help="Server processes answering pages (they share the database; each keeps "
                   "its own copy of the runs it has shown).")
@click.option("--secure-cookies", is_flag=True,
              help="Mark the session cookie Secure (behind an HTTPS reverse proxy).")
@click.option("--login-link", is_flag=True,
              help="Print a new one-time login URL for the server running on this "
                   "workspace (give its --host and --port) and exit: each URL logs in once.")
@click.option("--add-account", "account", metavar="USERNAME",
              help="Add (or reset) a coordinator account and exit; the password is read "
                   "from MENTORMATCH_PASSWORD or asked for.")
@click.option("--grant", "grants", multiple=True, metavar="PROGRAM",
              help="With --add-account: a program id the account may see (repeat).")
@click.option("--admin", is_flag=True, help="With --add-account: the account sees every "
                                            "program.")
def serve_command(workspace: str, host: str, port: int, demo: bool, workers: int,
                  secure_cookies: bool, login_link: bool, account: str | None,
                  grants: tuple[str, ...], admin: bool) -> None:
    """Start the matching service: pages for coordinators and a JSON API (/api/docs).

    \b
    Examples:
      mentormatch serve --demo                      the sample program, on this machine
      mentormatch serve --workspace /srv/mentoring --add-account ana --grant cohort-2027
      mentormatch serve --workspace /srv/mentoring --host 0.0.0.0 --secure-cookies

    Open the printed URL: its token logs you in once (keep it private; `--login-link`
    prints a new one). Matches run in a worker process; every run is an ordinary run
    folder under WORKSPACE/programs/.
    """
    from service.auth import accounts_exist, add_account, issue_login_token
    from service.db import migrate
    from service.workspace import Workspace

    space = Workspace.open(workspace)
    migrate(space.db_path)
    if account:
        password = os.environ.get("MENTORMATCH_PASSWORD") or click.prompt(
            f"Password for {account}", hide_input=True, confirmation_prompt=True)
        try:
            add_account(space.db_path, account, password, grants, admin=admin)
        except ValueError as error:
            raise click.UsageError(str(error)) from None
        click.echo(f"Account {account} saved in {space.db_path}.")
        return
    if login_link:
        click.echo(login_url(host, port, issue_login_token(space.db_path)))
        return
    if not is_loopback(host) and not accounts_exist(space.db_path):
        raise click.UsageError(
            f"Refusing to listen on {host} without coordinator accounts: anyone who can "
            "reach it could see participants' data. Add one with `mentormatch serve "
            "--workspace DIR --add-account NAME --grant PROGRAM`, or keep --host 127.0.0.1.")
    import uvicorn

    from service.app import SECURE_COOKIES_ENV, WORKSPACE_ENV, create_app, start_server
    from service.demo import load_demo
    from service.security import new_token

    try:
        held = space.lock_for_server()
    except RuntimeError as error:
        raise click.UsageError(str(error)) from None
    if demo:
        program = load_demo(space)
        click.echo(f"Demo program '{program}' is in {space.root}.")
    token = new_token()
    app = create_app(space, login_token=token, secure_cookies=secure_cookies) \
        if workers == 1 else None
    if app is None:  # several processes: the start's work once, here
        start_server(space, token)
        os.environ[WORKSPACE_ENV] = str(space.root)
        os.environ[SECURE_COOKIES_ENV] = "1" if secure_cookies else "0"
    click.echo(f"mentormatch service: workspace {space.root}")
    click.echo(f"Open this URL to log in (it works once; the token is a password, keep it "
               f"private):\n    {login_url(host, port, token)}")
    if app is not None:
        uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=True)
    else:
        uvicorn.run("service.app:worker_app", factory=True, workers=workers, host=host,
                    port=port, log_level="warning", proxy_headers=True)
    del held  # the lock is released with the process; keep it until the server ends
