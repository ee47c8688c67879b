"""State and set-up: migrations, restarts, workspace paths, passwords, the serve command,
and the rule that only service.actions calls the product."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from service import db
from service.security import check_password, hash_password
from service.workspace import UnsafePath, Workspace, upload_extension, valid_person_id

SERVICE = Path(__file__).resolve().parents[2] / "service"


def test_migrations_are_versioned_and_idempotent(tmp_path):
    path = tmp_path / "state.db"
    assert db.migrate(path) == len(db.MIGRATIONS)
    assert db.migrate(path) == len(db.MIGRATIONS)
    with db.opened(path) as connection:
        versions = [r[0] for r in connection.execute("SELECT version FROM schema_migrations")]
    assert versions == list(range(1, len(db.MIGRATIONS) + 1))


def test_a_restart_fails_interrupted_jobs(tmp_path):
    from service.app import create_app

    workspace = Workspace.open(tmp_path / "ws")
    db.migrate(workspace.db_path)
    workspace.create_program_dir("p", b"")
    half = workspace.runs_dir("p") / ".20270101-000000-abcdef.x1.partial"
    half.mkdir()
    (half / "pairings.csv").write_text("half", encoding="utf-8")
    with db.opened(workspace.db_path) as connection:
        connection.execute("INSERT INTO jobs (program_id, status, params_json, run_id, "
                           "created_by, created_at) VALUES ('p', 'running', '{}', "
                           "'20270101-000000-abcdef', 'me', 'now')")
    create_app(workspace)
    with db.opened(workspace.db_path) as connection:
        job = db.get_job(connection, 1)
    assert job is not None and job.status == "failed" and "interrupted" in (job.error or "")
    assert not half.exists()


def test_workspace_refuses_paths_outside(tmp_path):
    workspace = Workspace.open(tmp_path / "ws")
    for bad in ("../x", "/etc", "A", "", "a" * 41, "a/b"):
        with pytest.raises(UnsafePath):
            workspace.program_dir(bad)
    with pytest.raises(UnsafePath):
        workspace.run_dir("demo", "../../x")
    with pytest.raises(UnsafePath):
        workspace.inside(tmp_path / "elsewhere")
    with pytest.raises(UnsafePath):
        upload_extension("data.exe")
    assert upload_extension("C:\\Users\\me\\Mentors.XLSX") == ".xlsx"
    for bad in ("a/b", "..", "x\x00y", ""):
        with pytest.raises(UnsafePath):
            valid_person_id(bad)


def test_uploads_are_immutable_and_named_by_hash(tmp_path):
    workspace = Workspace.open(tmp_path / "ws")
    workspace.create_program_dir("p", b"")
    digest, path = workspace.store_upload("p", b"a,b\n", ".csv")
    assert path.name == f"{digest}.csv" and path.read_bytes() == b"a,b\n"
    assert workspace.store_upload("p", b"a,b\n", ".csv") == (digest, path)
    assert not path.stat().st_mode & 0o222


def test_password_hashes_are_salted_scrypt():
    first, second = hash_password("a long passphrase"), hash_password("a long passphrase")
    assert first != second and first.startswith("scrypt$")
    assert check_password("a long passphrase", first)
    assert not check_password("a long passphrasE", first)
    assert not check_password("x", "garbage")


def test_serve_refuses_other_addresses_without_accounts(tmp_path):
    result = CliRunner().invoke(cli, ["serve", "--workspace", str(tmp_path / "ws"),
                                      "--host", "0.0.0.0"])
    assert result.exit_code == 2 and "Refusing to listen on 0.0.0.0" in result.output


def test_serve_adds_accounts(tmp_path):
    from service.auth import accounts_exist, check_account

    workspace = tmp_path / "ws"
    result = CliRunner().invoke(cli, ["serve", "--workspace", str(workspace), "--add-account",
                                      "ana", "--grant", "demo"],
                                env={"MENTORMATCH_PASSWORD": "a long passphrase"})
    assert result.exit_code == 0, result.output
    path = Workspace.open(workspace).db_path
    assert accounts_exist(path) and check_account(path, "ana", "a long passphrase") is False


def test_explain_works_on_a_run_the_service_made(demo):
    run_dir = demo.workspace.run_dir(demo.program_id, demo.run_id)
    result = CliRunner().invoke(cli, ["explain", str(run_dir), "--mentee",
                                      "abigail.murphy@mail.example.com"])
    assert result.exit_code == 0, result.output
    assert "Network" in result.output


def test_only_actions_calls_the_product():
    for path in SERVICE.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)
                    and n.module} | {a.name for n in ast.walk(tree)
                                     if isinstance(n, ast.Import) for a in n.names}
        product = {m for m in imported if m.split(".")[0] in ("scoring", "matcher", "cli")}
        # actions.py, and wizard_product.py for the setup wizard's later steps
        if path.name not in ("actions.py", "wizard_product.py"):
            assert not product, f"{path.name} imports {product}"


def test_the_product_never_imports_the_service():
    root = SERVICE.parent
    for package in ("scoring", "matcher"):
        for path in (root / package).rglob("*.py"):
            assert "import service" not in path.read_text(encoding="utf-8") and \
                "from service" not in path.read_text(encoding="utf-8"), path


def test_one_server_per_workspace(tmp_path):
    workspace = Workspace.open(tmp_path / "ws")
    held = workspace.lock_for_server()
    with pytest.raises(RuntimeError, match="in use by another"):
        workspace.lock_for_server()
    held.close()  # type: ignore[attr-defined]
    workspace.lock_for_server()


def test_login_link_gives_the_running_server_a_new_one_time_token(tmp_path):
    import warnings

    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

    from service.app import create_app

    workspace = Workspace.open(tmp_path / "ws")
    with TestClient(create_app(workspace, login_token="printed-at-start-0123")) as browser:
        assert browser.post("/api/v1/session",
                            json={"token": "printed-at-start-0123"}).status_code == 200
        result = CliRunner().invoke(cli, ["serve", "--workspace", str(workspace.root),
                                          "--port", "8123", "--login-link"])
        assert result.exit_code == 0, result.output
        url = result.output.strip()
        assert url.startswith("http://127.0.0.1:8123/login?token=")
        second = TestClient(browser.app)
        assert second.get(url.split("8123", 1)[1], follow_redirects=False).status_code == 303
        assert "Your programs" in second.get("/").text
        third = TestClient(browser.app)
        assert third.get(url.split("8123", 1)[1]).status_code == 401
