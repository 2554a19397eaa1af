"""Copy engine on real files: read once, fan out, verify from the media; faults and odd names."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
import xxhash

from pixm_desktop.core.hashes import HashAlgorithm
from pixm_desktop.core.model import CancelToken, CopyState, FileResult, ProgressSnapshot
from pixm_desktop.engine.copier import CopyTask, SourceHashed, run_copy, temp_name
from pixm_desktop.engine.scan import scan_card
from support.cards import write

XXH64, MD5 = HashAlgorithm.XXH64, HashAlgorithm.MD5


def copy_card(src: Path, dests: list[Path], algorithms=(XXH64,), cancel=None, scan=None):
    scan = scan or scan_card(src)
    progress = ProgressSnapshot(scan.total_bytes, len(scan.files))
    tasks = [CopyTask(f, tuple(range(len(dests)))) for f in scan.files]
    events = list(run_copy(src, dests, tasks, dirs=scan.dirs, algorithms=algorithms, progress=progress,
                           cancel=cancel))
    final: dict[tuple[bytes, int], FileResult] = {}
    hashed = {}
    for ev in events:
        if isinstance(ev, SourceHashed):
            hashed[ev.relpath] = ev.hashes
        elif ev.state != CopyState.COPIED:
            final[(ev.relpath, ev.destination)] = ev
    return final, hashed, progress


def assert_no_temps(root: Path) -> None:
    left = [p for p in root.rglob(".pixm-*")]
    assert left == [], f"temp files left behind: {left}"


def test_two_destinations_byte_identical_with_mtime_and_empty_folders(tmp_path):
    src = tmp_path / "A001R1AB"
    big = os.urandom(20 * 1024 * 1024 + 123)
    write(src / "A001C001_261123_R1AB.mov", big, mtime=1_600_000_000)
    write(src / "meta" / "A001R1AB.ale", b"Heading\n")
    (src / "empty").mkdir()
    dests = [tmp_path / "d1", tmp_path / "d2"]
    final, hashed, progress = copy_card(src, dests, algorithms=(XXH64, MD5))
    assert len(final) == 4 and all(r.state == CopyState.VERIFIED for r in final.values())
    for d in dests:
        assert (d / "A001C001_261123_R1AB.mov").read_bytes() == big
        assert (d / "A001C001_261123_R1AB.mov").stat().st_mtime == 1_600_000_000
        assert (d / "empty").is_dir()
        assert_no_temps(d)
    assert hashed[b"A001C001_261123_R1AB.mov"][XXH64] == xxhash.xxh64(big).hexdigest()
    assert hashed[b"A001C001_261123_R1AB.mov"][MD5] == hashlib.md5(big).hexdigest()
    assert progress.bytes_read == len(big) + 8
    assert all(d.bytes_verified == len(big) + 8 for d in progress.destinations)


@pytest.mark.skipif(shutil.which("xxhsum") is None, reason="xxhsum (Debian package xxhash) not installed")
def test_hashes_match_xxhsum(tmp_path):
    src = tmp_path / "card"
    data = os.urandom(3 * 1024 * 1024)
    write(src / "clip.mxf", data)
    _, hashed, _ = copy_card(src, [tmp_path / "d1"])
    line = subprocess.run(["xxhsum", "-H64", str(src / "clip.mxf")], capture_output=True, text=True, check=True).stdout
    assert line.split()[0].lower().removeprefix("xxh64_") == hashed[b"clip.mxf"][XXH64]


def test_odd_names_copy_exactly(tmp_path):
    src = tmp_path / "card"
    nfc = unicodedata.normalize("NFC", "Café Szene").encode()
    nfd = unicodedata.normalize("NFD", "Café Szene").encode()
    names = [b"with space & ampersand.mov", nfc + b".wav", nfd + b".wav", b"bad-\xff\xfe-bytes.bin",
             b"L" * 251 + b".mov", b"zero-length.xml"]
    sb = os.fsencode(src)
    os.makedirs(sb)
    for i, n in enumerate(names):
        with open(os.path.join(sb, n), "wb") as fh:
            fh.write(b"" if n.startswith(b"zero") else bytes([i]) * (1000 + i))
    final, _, _ = copy_card(src, [tmp_path / "d1", tmp_path / "d2"])
    assert {r.state for r in final.values()} == {CopyState.VERIFIED}
    for d in (tmp_path / "d1", tmp_path / "d2"):
        listed = sorted(os.listdir(os.fsencode(d)))
        assert listed == sorted(names)  # raw bytes, no normalisation: NFC and NFD stay two files
        for n in names:
            assert Path(os.path.join(os.fsencode(d), n).decode("utf-8", "surrogateescape")).read_bytes() == \
                Path(os.path.join(sb, n).decode("utf-8", "surrogateescape")).read_bytes()
    assert len(temp_name(b"L" * 255)) < 40  # temp names fit even next to a 255-byte name


def test_existing_identical_file_is_kept_and_different_file_never_overwritten(tmp_path):
    src = tmp_path / "card"
    write(src / "same.mov", b"same bytes")
    write(src / "clash.mov", b"new card content")
    dest = tmp_path / "d1"
    write(dest / "same.mov", b"same bytes")
    write(dest / "clash.mov", b"precious other take")
    final, _, _ = copy_card(src, [dest])
    assert final[(b"same.mov", 0)].state == CopyState.VERIFIED
    clash = final[(b"clash.mov", 0)]
    assert clash.state == CopyState.FAILED and "never overwrites" in clash.reason
    assert (dest / "clash.mov").read_bytes() == b"precious other take"
    assert_no_temps(dest)


def test_sparse_file_over_4gib_stays_sparse_and_verifies(tmp_path):
    src = tmp_path / "card"
    src.mkdir()
    size = 4 * 1024**3 + 12345
    with open(src / "huge.r3d", "wb") as fh:
        fh.truncate(size)
        fh.seek(size - 5)
        fh.write(b"tail!")
    if (src / "huge.r3d").stat().st_blocks * 512 > 64 * 1024**2:
        pytest.skip("this filesystem does not support sparse files")
    final, hashed, _ = copy_card(src, [tmp_path / "d1"])
    assert final[(b"huge.r3d", 0)].state == CopyState.VERIFIED
    copy = tmp_path / "d1" / "huge.r3d"
    assert copy.stat().st_size == size
    assert copy.stat().st_blocks * 512 < 64 * 1024**2  # holes kept, not 4 GiB of written zeros
    with open(copy, "rb") as fh:
        fh.seek(size - 5)
        assert fh.read() == b"tail!"


class _HookToken(CancelToken):
    """Runs ``hook`` once, before the ``at``-th chunk read from the card (default: between the first and second
    chunk of the copy; a test seam, no sleep)."""

    def __init__(self, hook, at: int = 2):
        super().__init__()
        self.calls, self.hook, self.at = 0, hook, at

    def wait_if_paused(self) -> None:
        self.calls += 1
        if self.calls == self.at:
            self.hook()


@pytest.mark.parametrize("fault", ["shrink", "vanish"])
def test_source_file_that_shrinks_or_vanishes_mid_copy_is_failed_not_recorded(tmp_path, fault):
    src = tmp_path / "card"
    victim = write(src / "A001C002.mov", os.urandom(24 * 1024 * 1024))

    def hook():
        if fault == "shrink":
            os.truncate(victim, 10 * 1024 * 1024)
        else:
            victim.unlink()

    scan = scan_card(src)
    final, _, _ = copy_card(src, [tmp_path / "d1"], cancel=_HookToken(hook), scan=scan)
    res = final[(b"A001C002.mov", 0)]
    assert res.state == CopyState.FAILED
    assert ("changed during the copy" if fault == "shrink" else "vanished") in res.reason
    assert not (tmp_path / "d1" / "A001C002.mov").exists()
    assert_no_temps(tmp_path / "d1")


def test_bit_flip_between_write_and_reread_is_caught(tmp_path, monkeypatch):
    """Corrupt the copy on disk after it is written: the media re-read must see it."""
    from pixm_desktop.engine import copier

    src = tmp_path / "card"
    write(src / "clip.mov", os.urandom(2 * 1024 * 1024))
    real = copier.hash_from_media

    def flip_then_read(path, algorithms, **kw):
        with open(path, "r+b") as fh:
            fh.seek(1000)
            b = fh.read(1)
            fh.seek(1000)
            fh.write(bytes([b[0] ^ 0x01]))
        return real(path, algorithms, **kw)

    monkeypatch.setattr(copier, "hash_from_media", flip_then_read)
    final, _, _ = copy_card(src, [tmp_path / "d1"])
    res = final[(b"clip.mov", 0)]
    assert res.state == CopyState.FAILED and "checksum mismatch" in res.reason


def test_destination_full_fails_that_destination_only(tmp_path, mount_tmpfs):
    small = mount_tmpfs(6 * 1024 * 1024)
    src = tmp_path / "card"
    for i in range(4):
        write(src / f"A001C00{i}.mov", os.urandom(3 * 1024 * 1024))
    final, _, _ = copy_card(src, [small, tmp_path / "big"])
    ok = [r for (rel, d), r in final.items() if d == 1]
    assert len(ok) == 4 and all(r.state == CopyState.VERIFIED for r in ok)
    on_small = [r for (rel, d), r in final.items() if d == 0]
    assert any(r.state == CopyState.FAILED and "full" in r.reason for r in on_small)
    assert_no_temps(small)
    for r in on_small:  # what did fit is still verified: nothing recorded that was not compared
        if r.state == CopyState.VERIFIED:
            assert (small / r.relpath.decode()).read_bytes() == (src / r.relpath.decode()).read_bytes()


def test_cancel_removes_temp_files(tmp_path):
    src = tmp_path / "card"
    write(src / "big.mov", os.urandom(40 * 1024 * 1024))
    token = _HookToken(lambda: token.cancel())
    from pixm_desktop.core.errors import CancelledError

    with pytest.raises(CancelledError):
        copy_card(src, [tmp_path / "d1", tmp_path / "d2"], cancel=token)
    assert_no_temps(tmp_path / "d1")
    assert_no_temps(tmp_path / "d2")
    assert not (tmp_path / "d1" / "big.mov").exists()


def test_small_files_travel_in_batches_in_order_and_all_verify(tmp_path, monkeypatch):
    """2,000 small files interleaved with large ones: the writers get batches (not three hand-overs per file),
    every copy is byte-identical and verified, and a file that changes inside a batch fails alone."""
    from pixm_desktop.engine import copier

    src = tmp_path / "DCIM"
    rng = __import__("random").Random(7)
    for i in range(2000):
        write(src / f"{100 + i // 500}GOPRO" / f"G{i:07d}.JPG", rng.randbytes(rng.randint(2000, 5000)))
        if i % 700 == 0:  # large files between the small ones: batched messages must go first
            write(src / "CLIPS" / f"GX{i:06d}.MP4", rng.randbytes(3 * 1024 * 1024))
    handed: list[int] = []
    real_put = copier.queue.Queue.put

    def counting_put(self, item, *a, **kw):
        if isinstance(item, tuple) and item and item[0] in ("many", "open", "data", "close", "abort"):
            handed.append(1)
        return real_put(self, item, *a, **kw)

    scan = scan_card(src)
    gone = src / "101GOPRO" / "G0000600.JPG"
    gone.unlink()  # after the scan: its read fails inside a batch
    monkeypatch.setattr(copier.queue.Queue, "put", counting_put)
    dests = [tmp_path / "d1", tmp_path / "d2"]
    final, hashed, _ = copy_card(src, dests, scan=scan)
    monkeypatch.setattr(copier.queue.Queue, "put", real_put)
    assert len(final) == 2 * 2003
    failed = {k for k, r in final.items() if r.state != CopyState.VERIFIED}
    assert failed == {(b"101GOPRO/G0000600.JPG", 0), (b"101GOPRO/G0000600.JPG", 1)}
    assert all("vanished" in final[k].reason for k in failed)
    # three messages a file per destination without batching (12,018); batched it is a few dozen + the large files
    assert len(handed) < 200
    for d in dests:
        for p in src.rglob("*"):
            if p.is_file():
                assert (d / p.relative_to(src)).read_bytes() == p.read_bytes()
        assert_no_temps(d)


@pytest.mark.parametrize("atomic", [True, False], ids=["renameat2-noreplace", "check-then-rename"])
def test_file_appearing_in_a_new_destination_folder_mid_copy_is_never_overwritten(tmp_path, monkeypatch, atomic):
    """In a folder the offload itself created the writer does not look for an existing file first; a file that
    appears there while the copy is in flight must still be refused by the rename, never replaced, whether the
    rename is atomic (Linux renameat2 RENAME_NOREPLACE) or the filesystem cannot (check, then rename)."""
    from pixm_desktop.engine import copier

    src = tmp_path / "card"
    write(src / "A001" / "clip.mov", b"card bytes " * 1000)
    write(src / "A001" / "other.mov", b"other take " * 1000)
    dest = tmp_path / "d1"
    real_durable = copier.make_durable

    def someone_writes_first(folder, files):
        write(dest / "A001" / "clip.mov", b"somebody else's file")
        return real_durable(folder, files)

    monkeypatch.setattr(copier, "make_durable", someone_writes_first)
    if not atomic:
        def refused(src_path, dst_path):
            raise NotImplementedError("this filesystem refuses RENAME_NOREPLACE")

        monkeypatch.setattr(copier, "rename_no_replace", refused)
    final, _, _ = copy_card(src, [dest])
    clash = final[(b"A001/clip.mov", 0)]
    assert clash.state == CopyState.FAILED and "not overwritten" in clash.reason
    assert (dest / "A001" / "clip.mov").read_bytes() == b"somebody else's file"
    assert final[(b"A001/other.mov", 0)].state == CopyState.VERIFIED
    assert (dest / "A001" / "other.mov").read_bytes() == b"other take " * 1000
    assert_no_temps(dest)


def test_file_ending_in_a_zero_chunk_keeps_its_length(tmp_path):
    """The last chunk of zeros is skipped as a hole; the copy's length must still be set (ftruncate)."""
    from pixm_desktop.engine.mediaio import CHUNK_SIZE

    src = tmp_path / "card"
    data = os.urandom(CHUNK_SIZE) + bytes(CHUNK_SIZE)
    write(src / "tail.mov", data)
    final, _, _ = copy_card(src, [tmp_path / "d1"])
    assert final[(b"tail.mov", 0)].state == CopyState.VERIFIED
    assert (tmp_path / "d1" / "tail.mov").stat().st_size == len(data)
    assert (tmp_path / "d1" / "tail.mov").read_bytes() == data


def test_small_copy_swapped_for_a_link_before_its_reread_is_refused(tmp_path, monkeypatch):
    """Small copies are opened ahead of their re-read in groups; the opening still refuses a symbolic link (here
    to the identical card file, which goes away with the card) and the copy is failed, never verified."""
    from pixm_desktop.engine import copier

    src = tmp_path / "card"
    for i in range(3):
        write(src / "DCIM" / f"IMG_{i}.JPG", os.urandom(4096))
    dest = tmp_path / "d1"
    real = copier.open_for_reread

    def swap_then_open(path, **kw):
        if path.endswith(b"IMG_1.JPG"):
            os.unlink(path)
            os.symlink(src / "DCIM" / "IMG_1.JPG", path)
        return real(path, **kw)

    monkeypatch.setattr(copier, "open_for_reread", swap_then_open)
    final, _, _ = copy_card(src, [dest])
    bad = final[(b"DCIM/IMG_1.JPG", 0)]
    assert bad.state == CopyState.FAILED and "symbolic link is not a copy" in bad.reason
    assert final[(b"DCIM/IMG_0.JPG", 0)].state == final[(b"DCIM/IMG_2.JPG", 0)].state == CopyState.VERIFIED


def _card_of_small_files(src: Path, n: int = 80) -> None:
    for i in range(n):
        write(src / "DCIM" / f"G{i:04d}.JPG", os.urandom(2000 + i))


@pytest.mark.timeout(60)
def test_card_file_replaced_by_a_fifo_after_the_scan_fails_without_hanging(tmp_path):
    """Small files are opened ahead of the reader: a FIFO in a file's place must not block that open."""
    src = tmp_path / "card"
    _card_of_small_files(src)
    scan = scan_card(src)
    victim = src / "DCIM" / "G0040.JPG"  # inside the files fetched ahead of the reader
    victim.unlink()
    os.mkfifo(victim)
    final, _, _ = copy_card(src, [tmp_path / "d1"], scan=scan)
    res = final[(b"DCIM/G0040.JPG", 0)]
    assert res.state == CopyState.FAILED and "no longer a regular file" in res.reason
    assert sum(r.state == CopyState.VERIFIED for r in final.values()) == 79
    assert not (tmp_path / "d1" / "DCIM" / "G0040.JPG").exists()


def test_card_file_replaced_by_a_link_after_the_scan_is_never_followed(tmp_path):
    """A link put in a small file's place (same size, same name) is refused by the open ahead and the read."""
    src = tmp_path / "card"
    _card_of_small_files(src)
    scan = scan_card(src)
    victim = src / "DCIM" / "G0040.JPG"
    st = victim.stat()
    outside = write(tmp_path / "outside.JPG", os.urandom(st.st_size))
    os.utime(outside, ns=(st.st_atime_ns, st.st_mtime_ns))  # same size and mtime as the scan saw
    victim.unlink()
    victim.symlink_to(outside)
    final, hashed, _ = copy_card(src, [tmp_path / "d1"], scan=scan)
    res = final[(b"DCIM/G0040.JPG", 0)]
    assert res.state == CopyState.FAILED and b"DCIM/G0040.JPG" not in hashed
    assert not os.path.lexists(tmp_path / "d1" / "DCIM" / "G0040.JPG")
    assert sum(r.state == CopyState.VERIFIED for r in final.values()) == 79


def test_card_file_replaced_after_it_was_opened_ahead_is_failed_not_recorded(tmp_path, monkeypatch):
    """The descriptor opened ahead still reads the old file; the path names another one by the read's end:
    the inode check refuses it, so neither file's bytes are recorded under that name."""
    from pixm_desktop.engine import copier

    src = tmp_path / "card"
    _card_of_small_files(src)
    stranger = write(tmp_path / "stranger.JPG", os.urandom(2040))
    real = copier._read_and_fan_out
    swapped = []

    def swap_then_read(path, f, *args, opened=None, **kw):
        if f.relpath == b"DCIM/G0040.JPG":
            swapped.append(opened is not None)
            os.replace(stranger, path)
        return real(path, f, *args, opened=opened, **kw)

    monkeypatch.setattr(copier, "_read_and_fan_out", swap_then_read)
    final, _, _ = copy_card(src, [tmp_path / "d1"])
    assert swapped == [copier.open_ahead(src / "DCIM" / "G0000.JPG") is not None]  # Linux: it was opened ahead
    res = final[(b"DCIM/G0040.JPG", 0)]
    assert res.state == CopyState.FAILED and "replaced by another file" in res.reason
    assert not (tmp_path / "d1" / "DCIM" / "G0040.JPG").exists()


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts descriptors through Linux's /proc")
@pytest.mark.parametrize("stop", ["end", "cancel"])
def test_no_card_descriptor_is_left_open(tmp_path, stop):
    src = tmp_path / "card"
    _card_of_small_files(src, 200)
    fds = lambda: set(os.listdir("/proc/self/fd"))  # noqa: E731
    before = fds()
    token = CancelToken()
    if stop == "cancel":
        token = _HookToken(lambda: token.cancel(), at=50)
        from pixm_desktop.core.errors import CancelledError

        with pytest.raises(CancelledError):
            copy_card(src, [tmp_path / "d1"], cancel=token)
    else:
        copy_card(src, [tmp_path / "d1"], cancel=token)
    assert fds() <= before
