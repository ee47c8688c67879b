"""Claiming ``--out`` before any work, and putting the finished folder there without loss.

:func:`claim_output` runs before the cohort is scored: it refuses a target that cannot
work (``--out .``, a path under a file, a symbolic link, a file, a folder that exists
without ``--force``, a folder ``--force`` may not replace, a read-only or full disk), takes
a lock beside the target (``.NAME.mentormatch-lock``, created atomically and held with
``flock`` while the run lives, so a second run into the same ``--out`` is refused and a
killed run's lock is recognised as stale), and tidies what killed runs left: partial
folders carrying mentormatch's marker are removed, and a previous run that an interrupted
``--force`` had moved aside is restored. Each such action is reported in
:attr:`OutputClaim.notes`.

:meth:`OutputClaim.place` moves the finished folder into place and never overwrites: if
anything appeared at the target meanwhile (or a folder to be replaced changed), the
finished folder is kept beside it under a visible name and the error says where.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import errno
import os
import secrets
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from matcher.runfolder.marker import MARKER, PARTIAL, foreign_content, read_marker
from scoring.errors import InputError

try:  # POSIX: a lock the kernel releases when its holder dies, however it dies
    import fcntl
except ImportError:  # pragma: no cover - Windows: the lock file's pid is checked instead
    fcntl = None  # type: ignore[assignment]

#: Free space asked for before a run: a floor, and per expected pair (plans, calendar...).
MIN_FREE_BYTES = 20 * 1024 * 1024
BYTES_PER_PAIR = 40 * 1024
PARTIAL_SUFFIX, OLD_SUFFIX, LOCK_SUFFIX = ".partial", ".old", ".mentormatch-lock"
_RENAME_NOREPLACE = 1


class OutputError(InputError):
    """The target folder cannot be used; the message names it and the fix."""


@dataclass
class OutputClaim:
    """A claimed ``--out``: the lock is held until :meth:`release` (or leaving the block)."""

    out_dir: Path
    force: bool
    token: str
    lock_path: Path
    notes: list[str] = field(default_factory=list)
    _lock_fd: int | None = None
    _made_folders: list[Path] = field(default_factory=list)

    def work_folder(self) -> Path:
        """A new, empty hidden folder beside the target to build the run in."""
        work = self.out_dir.parent / f".{self.out_dir.name}.{self.token}{PARTIAL_SUFFIX}"
        work.mkdir(mode=0o755)
        return work

    def check_free_space(self, pairs: int) -> None:
        """OutputError if the disk holding the target has too little room for ``pairs``."""
        needed = MIN_FREE_BYTES + BYTES_PER_PAIR * pairs
        free = shutil.disk_usage(self.out_dir.parent).free
        if free < needed:
            raise OutputError(f"{self.out_dir.parent}: only {free // 2**20} MB free on this "
                              f"disk, and the run folder needs about {needed // 2**20} MB. "
                              f"Free some space or choose an --out on another disk; nothing "
                              f"was written.")

    def place(self, work: Path) -> None:
        """Move the finished ``work`` folder to the target; never overwrite what is there.

        With ``force``, a target that is still a folder mentormatch wrote (every file in
        its manifest, unchanged) is moved aside, replaced, then deleted; a kill between
        the two renames is repaired by the next run (:func:`claim_output`).
        """
        out = self.out_dir
        if os.path.lexists(out):
            strange = foreign_content(out) if out.is_dir() and not out.is_symlink() \
                else ["(not a folder)"]
            if not self.force or strange:
                kept = self._keep_beside(work)
                raise OutputError(f"{out} appeared or changed while this run was working "
                                  f"({', '.join(strange) or 'it exists'}), so it was left "
                                  f"untouched. The finished run is in {kept}: compare the "
                                  f"two, then rename or delete one yourself.")
            old = out.parent / f".{out.name}.{self.token}{OLD_SUFFIX}"
            out.rename(old)
            try:
                _rename_no_replace(work, out)
            except BaseException:
                old.rename(out)
                raise
            try:
                remove_run_folder(old)
            except OSError:  # the new run is in place; a later run tidies what is left
                pass
            return
        try:
            _rename_no_replace(work, out)
        except FileExistsError:
            kept = self._keep_beside(work)
            raise OutputError(f"{out} appeared while this run was working, so it was left "
                              f"untouched. The finished run is in {kept}: compare the two, "
                              f"then rename or delete one yourself.") from None

    def _keep_beside(self, work: Path) -> Path:
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        kept = self.out_dir.parent / f"{self.out_dir.name}.finished-{stamp}-{self.token[:6]}"
        work.rename(kept)
        return kept

    def release(self) -> None:
        """Drop the lock and remove the folders the claim created (when still empty)."""
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None
            self.lock_path.unlink(missing_ok=True)
        for folder in reversed(self._made_folders):
            try:
                folder.rmdir()
            except OSError:
                break
        self._made_folders = []

    def __enter__(self) -> OutputClaim:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.release()


def claim_output(out_dir: Path, *, force: bool) -> OutputClaim:
    """Check and lock the target folder ``out_dir`` (see the module docstring)."""
    out_dir = Path(out_dir)
    _check_path(out_dir)
    made = _make_parents(out_dir.absolute().parent)
    out_dir = out_dir.absolute().parent / out_dir.name
    claim = OutputClaim(out_dir=out_dir, force=force, token=secrets.token_hex(8),
                        lock_path=out_dir.parent / f".{out_dir.name}{LOCK_SUFFIX}",
                        _made_folders=made)
    try:
        _take_lock(claim)
        _recover(claim)
        _check_target(out_dir, force)
        claim.check_free_space(0)
    except BaseException:
        claim.release()
        raise
    return claim


def _check_path(out_dir: Path) -> None:
    """Refuse targets that can never be a run folder, before anything is created."""
    absolute = out_dir.absolute()
    cwd = Path.cwd().resolve()
    if out_dir.name in ("", ".", "..") or absolute.resolve() in (cwd, *cwd.parents):
        raise OutputError(f"--out {out_dir} names the current folder or one above it; a run "
                          f"folder must be a new folder of its own. Use e.g. --out "
                          f"mentormatch-run.")
    if out_dir.is_symlink():
        dangling = "" if out_dir.exists() else " to nothing"
        raise OutputError(f"{out_dir} is a symbolic link{dangling}; mentormatch does not "
                          f"write through links. Give the real folder as --out, or remove "
                          f"the link.")
    for ancestor in absolute.parents:
        if ancestor.exists():
            if not ancestor.is_dir():
                raise OutputError(f"{ancestor} is a file, so {out_dir} cannot be created "
                                  f"under it. Choose another --out folder.")
            break


def _make_parents(parent: Path) -> list[Path]:
    """Create the missing folders above the target; the ones created, outermost first."""
    missing = []
    for folder in (parent, *parent.parents):
        if folder.exists():
            break
        missing.append(folder)
    made: list[Path] = []
    for folder in reversed(missing):
        try:
            folder.mkdir()
        except OSError as error:
            for created in reversed(made):
                created.rmdir()
            raise _os_problem(error, folder) from None
        made.append(folder)
    return made


def _take_lock(claim: OutputClaim) -> None:
    """Create and hold the lock file; OutputError if a live run holds it."""
    path = claim.lock_path
    for _attempt in range(3):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o644)
        except FileExistsError:
            if _lock_is_live(path):
                raise OutputError(f"Another mentormatch run is writing to {claim.out_dir} "
                                  f"(it holds {path.name}). Wait for it to finish, or choose "
                                  f"another --out folder.") from None
            path.unlink(missing_ok=True)
            claim.notes.append(f"Removed a stale lock left by a stopped run ({path.name}).")
            continue
        except OSError as error:
            raise _os_problem(error, path.parent) from None
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.write(fd, f"{os.getpid()} {claim.token}\n".encode())
        claim._lock_fd = fd
        return
    raise OutputError(f"Could not lock {claim.out_dir}: another run keeps taking it. Wait "
                      f"for it to finish, or choose another --out folder.")


def _lock_is_live(path: Path) -> bool:
    """Whether a running process holds the lock file (its ``flock``, or its pid)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            return False
        pid = int((os.read(fd, 64).split() or [b"0"])[0])
        return pid > 0 and _pid_alive(pid)
    except ValueError:
        return False
    finally:
        os.close(fd)


def _pid_alive(pid: int) -> bool:  # pragma: no cover - Windows only
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def remove_run_folder(folder: Path) -> None:
    """Remove a folder mentormatch wrote, its marker last: a run killed midway leaves a
    folder that still carries the marker, which the next run recognises and removes
    (:func:`_recover`) instead of leaving it behind as a stranger's."""
    for entry in folder.iterdir():
        if entry.name == MARKER:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    (folder / MARKER).unlink(missing_ok=True)
    folder.rmdir()


def _recover(claim: OutputClaim) -> None:
    """Under the lock: remove partial folders of killed runs (only those carrying our
    marker) and restore or drop a previous run moved aside by an interrupted --force."""
    out = claim.out_dir
    prefix = f".{out.name}."
    for entry in sorted(out.parent.iterdir()):
        if not entry.name.startswith(prefix) or entry.is_symlink() or not entry.is_dir():
            continue
        marker = read_marker(entry)
        if marker is None:
            continue
        if entry.name.endswith(PARTIAL_SUFFIX) and marker.state == PARTIAL:
            remove_run_folder(entry)
            claim.notes.append(f"Removed {entry.name}, the unfinished folder of a run that "
                               f"was stopped before it completed.")
        elif entry.name.endswith(PARTIAL_SUFFIX) and not os.path.lexists(out):
            entry.rename(out)  # finished but not moved: a kill just before the rename
            claim.notes.append(f"Moved {entry.name}, a finished run whose last step was "
                               f"interrupted, to {out}.")
        elif entry.name.endswith(OLD_SUFFIX) and not os.path.lexists(out):
            entry.rename(out)
            claim.notes.append(f"Restored the previous run to {out}: an earlier --force was "
                               f"interrupted before the new run was in place.")
        elif entry.name.endswith(OLD_SUFFIX) and not foreign_content(entry):
            remove_run_folder(entry)
            claim.notes.append(f"Removed {entry.name}, the previous run that an interrupted "
                               f"--force had already replaced by the run now in {out.name}.")
        elif entry.name.endswith(PARTIAL_SUFFIX) and not foreign_content(entry):
            remove_run_folder(entry)
            claim.notes.append(f"Removed {entry.name}, a finished run that was stopped before "
                               f"it replaced {out.name}; {out.name} still holds the run that "
                               f"was there before.")


def _check_target(out_dir: Path, force: bool) -> None:
    if not os.path.lexists(out_dir):
        return
    if not out_dir.is_dir():
        raise OutputError(f"{out_dir} exists and is a file, not a run folder. Choose another "
                          f"--out folder.")
    if not force:
        raise OutputError(f"The run folder {out_dir} already exists; nothing was written. "
                          f"Choose another --out folder, or add --force to replace it.")
    if not any(out_dir.iterdir()):
        return
    if read_marker(out_dir) is None:
        raise OutputError(f"{out_dir} is not empty and is not a mentormatch run folder (it has "
                          f"no {MARKER} marker listing the files a run wrote), so --force "
                          f"will not delete it. Choose another --out folder.")
    strange = foreign_content(out_dir)
    if strange:
        raise OutputError(f"{out_dir} holds files mentormatch did not write "
                          f"({', '.join(strange)}), so --force will not delete it. Choose "
                          f"another --out folder, or move those files away first.")


def _os_problem(error: OSError, where: Path | str, *,
                action: str = "cannot write the run folder there",
                fix: str = "Choose another --out folder; nothing was written.") -> OutputError:
    """An operating-system refusal told as what to do about it."""
    reasons = {errno.EACCES: "you may not write there (permission denied)",
               errno.EPERM: "you may not write there (operation not permitted)",
               errno.EROFS: "the disk is read-only",
               errno.ENOSPC: "the disk is full",
               errno.EDQUOT: "your disk quota is used up",
               errno.ENOTDIR: "part of the path is a file, not a folder",
               errno.ENAMETOOLONG: "the path is too long",
               errno.EBUSY: "the folder is busy (another program is using it)"}
    reason = reasons.get(error.errno or 0, error.strerror or str(error))
    return OutputError(f"{where}: {action}: {reason}. {fix}")


def os_problem(error: OSError, where: Path | str, *,
               action: str = "cannot write the run folder there",
               fix: str = "Choose another --out folder; nothing was written.") -> OutputError:
    """A file-system refusal (``error``) at ``where`` told as one paragraph."""
    return _os_problem(error, where, action=action, fix=fix)


def _rename_no_replace(source: Path, target: Path) -> None:
    """Rename ``source`` to ``target``; FileExistsError if ``target`` exists (atomically on
    Linux through renameat2's RENAME_NOREPLACE, by a check elsewhere)."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = getattr(libc, "renameat2", None)
        if renameat2 is not None:
            at_fdcwd = -100
            result = renameat2(at_fdcwd, os.fsencode(source), at_fdcwd, os.fsencode(target),
                               _RENAME_NOREPLACE)
            if result == 0:
                return
            code = ctypes.get_errno()
            if code == errno.EEXIST:
                raise FileExistsError(code, os.strerror(code), str(target))
            if code not in (errno.EINVAL, errno.ENOSYS):  # file systems without the flag
                raise OSError(code, os.strerror(code), str(target))
    if os.path.lexists(target):
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(target))
    os.rename(source, target)
