"""The run folder's marker is the text ``json.dumps(record, indent=1)`` wrote for it (its
manifest now goes through matcher.runfolder.indented_json), whatever the file names hold,
and it reads back as written."""

from __future__ import annotations

import json
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.runfolder.marker import (
    COMPLETE,
    MARKER,
    MARKER_FORMAT,
    PARTIAL,
    TOOL,
    manifest,
    read_marker,
    write_marker,
)

_NAMES = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1,
                 max_size=14) | st.sampled_from(["plans/ana.md", 'a"b', "c\\d", "tab\there",
                                                 "é/ü.ics", "\x7f", "z"])
_HASHES = st.text(alphabet="0123456789abcdef", min_size=64, max_size=64) | st.text(max_size=4)


def test_the_marker_is_json_dumps_text_and_reads_back(tmp_path_factory):
    """Manifests of generated names (json escapes, text beyond ASCII, an empty manifest),
    given in path order or not, for each state: the bytes json.dumps(record, indent=1)
    wrote, the manifest in path order, and read_marker returns what was written."""
    reached: Counter[str] = Counter()

    @settings(max_examples=200, deadline=None)
    @given(st.dictionaries(_NAMES, _HASHES, max_size=8), st.sampled_from([PARTIAL, COMPLETE]),
           st.text(max_size=8))
    def check(files: dict[str, str], state: str, token: str) -> None:
        folder = tmp_path_factory.mktemp("marker")
        write_marker(folder, token, state, files)
        record = {"tool": TOOL, "format": MARKER_FORMAT, "token": token, "state": state,
                  "files": dict(sorted(files.items()))}
        assert (folder / MARKER).read_bytes() == (json.dumps(record, indent=1) + "\n").encode()
        marker = read_marker(folder)
        assert marker is not None and (marker.token, marker.state) == (token, state)
        assert list(marker.files.items()) == sorted(files.items())
        reached["in path order already" if list(files) == sorted(files) else "reordered"] += 1
        names = "".join(files) + "".join(files.values()) + token
        reached["text json escapes"] += any(c in names for c in '"\\\t\x7f')
        reached["text beyond ASCII"] += not names.isascii()
        reached["an empty manifest"] += not files

    check()
    assert len(reached) == 5 and min(reached.values()) >= 10, reached


def test_a_folders_manifest_lists_every_file_in_path_order(tmp_path):
    """Files known by hash and files read back, in nested folders, with names that sort
    differently as whole paths than folder by folder ("a.x" < "a/b" < "a0")."""
    for relative in ["a/b", "a.x", "a0", "a/c/d", "z", "plans/é.md", MARKER]:
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(relative)
    listed = manifest(tmp_path, known={"a0": "known", "a/c/d": "known too"})
    assert list(listed) == ["a.x", "a/b", "a/c/d", "a0", "plans/é.md", "z"]
    assert listed["a0"] == "known" and listed["a/c/d"] == "known too"
    assert len(listed["a.x"]) == 64
