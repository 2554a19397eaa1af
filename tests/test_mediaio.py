"""Verification reads the media, not the page cache (storage read counters on a block-backed filesystem)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pixm_desktop.core.hashes import HashAlgorithm
from pixm_desktop.engine.mediaio import hash_from_media

SIZE = 32 * 1024 * 1024


def storage_read_bytes() -> int:
    """Bytes this process caused to be fetched from the storage layer (Linux /proc/self/io)."""
    with open("/proc/self/io") as fh:
        for line in fh:
            if line.startswith("read_bytes:"):
                return int(line.split()[1])
    raise AssertionError("no read_bytes in /proc/self/io")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc/self/io is Linux-only")
def test_reread_comes_from_the_drive_not_the_page_cache(mount_ext4):
    disk = mount_ext4(128 * 1024 * 1024)
    path = disk / "copy.mov"
    with open(path, "wb") as fh:
        fh.write(os.urandom(SIZE))
        fh.flush()
        os.fsync(fh.fileno())
    with open(path, "rb") as fh:  # warm the cache: a plain read now costs no storage I/O
        while fh.read(1 << 20):
            pass
    before = storage_read_bytes()
    with open(path, "rb") as fh:
        while fh.read(1 << 20):
            pass
    plain = storage_read_bytes() - before
    assert plain < SIZE // 4, "control failed: a warm plain read should be served from the cache"

    before = storage_read_bytes()
    hashes, n = hash_from_media(path, [HashAlgorithm.XXH64])
    from_media = storage_read_bytes() - before
    assert n == SIZE
    assert from_media >= SIZE, f"verification read only {from_media} of {SIZE} bytes from the drive"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc/self/io is Linux-only")
@pytest.mark.parametrize("size", [200 * 1024, 24 * 1024 * 1024], ids=["small-read-ahead", "large-streamed"])
def test_copier_verification_reads_every_copy_from_the_drive(mount_ext4, tmp_path, size):
    """Source in memory (no block I/O), destination on a block device: the storage reads during the offload
    are the verification re-reads, and they cover every byte of every copy."""
    from pixm_desktop.core.model import ProgressSnapshot
    from pixm_desktop.engine.copier import CopyTask, run_copy
    from pixm_desktop.engine.scan import scan_card

    card = tmp_path / "card"
    card.mkdir()
    for i in range(5):
        (card / f"clip{i}.mov").write_bytes(os.urandom(size))
    scan = scan_card(card)
    disk = mount_ext4(256 * 1024 * 1024)
    before = storage_read_bytes()
    events = list(run_copy(card, [disk / "copy"], [CopyTask(f, (0,)) for f in scan.files],
                           algorithms=(HashAlgorithm.XXH64,), progress=ProgressSnapshot(scan.total_bytes, 5)))
    reread = storage_read_bytes() - before
    assert sum(1 for e in events if getattr(e, "state", None) == "verified") == 5
    assert reread >= 5 * size, f"only {reread} of {5 * size} bytes re-read from the drive"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="renameat2 is Linux's; elsewhere the copier "
                    "checks, then renames")
def test_rename_no_replace_refuses_an_existing_file_and_leaves_both(tmp_path):
    from pixm_desktop.engine.mediaio import ATOMIC_NO_REPLACE, rename_no_replace

    assert ATOMIC_NO_REPLACE
    tmp, final = tmp_path / "t.part", tmp_path / "clip.mov"
    tmp.write_bytes(b"copy")
    final.write_bytes(b"precious")
    with pytest.raises(FileExistsError):
        rename_no_replace(os.fsencode(tmp), os.fsencode(final))
    assert final.read_bytes() == b"precious" and tmp.read_bytes() == b"copy"
    final.unlink()
    assert rename_no_replace(os.fsencode(tmp), os.fsencode(final))
    assert final.read_bytes() == b"copy" and not tmp.exists()
    with pytest.raises(FileNotFoundError):
        rename_no_replace(os.fsencode(tmp), os.fsencode(final))


def _block_bytes(device: str, field: int) -> int:
    """``/sys/block/DEV/stat`` field ``field`` (2: sectors read, 6: sectors written) in bytes."""
    return int(Path(f"/sys/block/{Path(device).name}/stat").read_text().split()[field]) * 512


def _device_written_bytes(mount: Path) -> int:
    """Bytes the block device under ``mount`` has written."""
    source = subprocess.run(["findmnt", "-n", "-o", "SOURCE", str(mount)], capture_output=True, text=True,
                            check=True).stdout.strip()
    return _block_bytes(source, 6)


def _written_before_first_durable(monkeypatch, card: Path, dest: Path, *, writeback: bool) -> int:
    """Copy ``card`` to ``dest``; the device's written bytes when the copier first makes a batch durable
    (waiting up to 5 s there for them to reach 16 MiB: a hang guard, not a time limit)."""
    from pixm_desktop.core.model import ProgressSnapshot
    from pixm_desktop.engine import copier
    from pixm_desktop.engine.copier import CopyTask, run_copy
    from pixm_desktop.engine.scan import scan_card

    if not writeback:  # nothing sent to the drive before the batch's syncfs: no writeback, no pacing
        monkeypatch.setattr(copier, "start_writeback", lambda fd, offset, length: None)
        monkeypatch.setattr(copier, "wait_until_stored", lambda fd: None)
    real, seen = copier.make_durable, []
    base = _device_written_bytes(dest.parent)

    def watch(folder, files):
        if not seen:
            deadline = time.monotonic() + 5
            while _device_written_bytes(dest.parent) - base < 16 << 20 and time.monotonic() < deadline:
                time.sleep(0.05)
            seen.append(_device_written_bytes(dest.parent) - base)
        return real(folder, files)

    monkeypatch.setattr(copier, "make_durable", watch)
    scan = scan_card(card)
    events = list(run_copy(card, [dest], [CopyTask(f, (0,)) for f in scan.files], algorithms=(HashAlgorithm.XXH64,),
                           progress=ProgressSnapshot(scan.total_bytes, len(scan.files))))
    assert sum(1 for e in events if getattr(e, "state", None) == "verified") == len(scan.files)
    monkeypatch.undo()
    return seen[0]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="sync_file_range is Linux's")
@pytest.mark.parametrize("shape", ["one-40MiB-clip", "160-sound-files-of-256KiB"])
def test_copies_reach_the_drive_while_written_not_at_the_batch_sync(mount_ext4, tmp_path, monkeypatch, shape):
    """Below the kernel's dirty thresholds a copy's data would wait in memory until the batch's syncfs, and the
    drive would sit idle while the verifier re-reads: the writer starts the writeback itself, per chunk of a
    large file and per whole file from 64 KiB (sound, stills)."""
    card = tmp_path / "card"
    card.mkdir()
    if shape == "one-40MiB-clip":
        (card / "A001C001.mov").write_bytes(os.urandom(40 << 20))
    else:
        for i in range(160):
            (card / f"T{i:03d}.WAV").write_bytes(os.urandom(256 << 10))
    disk = mount_ext4(256 * 1024 * 1024)
    control = _written_before_first_durable(monkeypatch, card, disk / "control", writeback=False)
    if control >= 16 << 20:
        pytest.skip(f"this kernel wrote {control} bytes back on its own (low dirty thresholds): nothing to tell apart")
    written = _written_before_first_durable(monkeypatch, card, disk / "copy", writeback=True)
    assert written >= 16 << 20, f"only {written} bytes reached the drive before the batch was made durable"


def test_a_slow_drive_re_reads_finished_copies_while_later_ones_are_written(tmp_path, monkeypatch):
    """A card read faster than a destination writes: each writer waits for its drive every ``WRITE_AHEAD``
    bytes, so batches reach the drive (and are re-read from it) while later files are still being written.
    Without the pacing the whole card waits in memory, the first batch's syncfs waits for all of it, and not
    one byte is re-read before the last file is written."""
    from pixm_desktop.core.model import ProgressSnapshot
    from pixm_desktop.engine import copier
    from pixm_desktop.engine.copier import CopyTask, run_copy
    from pixm_desktop.engine.scan import scan_card
    from support.throttled import DriveSpec, throttled_drives, unavailable_reason

    if reason := unavailable_reason():
        pytest.skip(reason)
    monkeypatch.setattr(copier, "WRITE_AHEAD", 4 << 20)
    card = tmp_path / "card"
    card.mkdir()
    for i in range(800):  # stills: below the size whose writeback the writer starts itself
        (card / f"S{i:04d}.JPG").write_bytes(os.urandom(48 << 10))
    scan = scan_card(card)
    progress = ProgressSnapshot(scan.total_bytes, len(scan.files))
    with throttled_drives([DriveSpec("slow", 96 << 20, read_mb_s=20, write_mb_s=20)], tmp_path / "cart") as (slow,):
        base = _block_bytes(slow.device, 2)
        read_when_written: list[int] = []

        def results():
            for event in run_copy(card, [slow.mount / "card"], [CopyTask(f, (0,)) for f in scan.files],
                                  algorithms=(HashAlgorithm.XXH64,), progress=progress):
                if not read_when_written and progress.destinations[0].bytes_written == scan.total_bytes:
                    read_when_written.append(_block_bytes(slow.device, 2) - base)
                yield event

        events = list(results())
    assert sum(1 for e in events if getattr(e, "state", None) == "verified") == len(scan.files)
    assert read_when_written and read_when_written[0] >= 8 << 20, \
        f"{read_when_written} bytes re-read from the drive when the last file was written"


def test_only_a_destination_alone_on_its_filesystem_is_paced(tmp_path, monkeypatch, mount_tmpfs):
    # a syncfs waits for everything written to its filesystem: a writer sharing it with the card or another
    # copy would stall for their writes, so only the copy on a filesystem of its own waits for its drive
    from pixm_desktop.core.model import ProgressSnapshot
    from pixm_desktop.engine import copier
    from pixm_desktop.engine.copier import CopyTask, run_copy
    from pixm_desktop.engine.scan import scan_card

    if not copier.CAN_WAIT_UNTIL_STORED:
        pytest.skip("no syncfs here: no writer is paced")
    monkeypatch.setattr(copier, "WRITE_AHEAD", 1 << 20)
    waited: list[int] = []
    monkeypatch.setattr(copier, "wait_until_stored", lambda fd: waited.append(os.fstat(fd).st_dev))
    card = tmp_path / "card"
    card.mkdir()
    for i in range(40):
        (card / f"T{i:03d}.WAV").write_bytes(os.urandom(256 << 10))
    alone = mount_tmpfs(64 << 20)
    scan = scan_card(card)
    dests = [tmp_path / "a", tmp_path / "b", alone / "c"]
    events = list(run_copy(card, dests, [CopyTask(f, (0, 1, 2)) for f in scan.files],
                           algorithms=(HashAlgorithm.XXH64,), progress=ProgressSnapshot(scan.total_bytes, 40)))
    assert sum(1 for e in events if getattr(e, "state", None) == "verified") == 3 * 40
    assert len(waited) >= 5 and set(waited) == {os.stat(alone).st_dev}


@pytest.mark.skipif(not hasattr(os, "posix_fadvise"), reason="copies are opened ahead of their re-read on Linux only")
@pytest.mark.parametrize("change", ["none", "grew", "shrank"])
def test_a_small_copy_is_re_read_in_one_read_unless_its_size_changed(tmp_path, monkeypatch, change):
    """A copy opened for its re-read is read once when that read gives every byte it had when opened; one that
    grew or shrank since is read to its real end, so the caller sees the size it compares against the card's."""
    import xxhash

    from pixm_desktop.engine import mediaio

    data = os.urandom(5000)
    path = tmp_path / "G0001.JPG"
    path.write_bytes(data)
    opened = mediaio.open_for_reread(os.fsencode(path))
    assert opened.size == len(data)
    now = {"none": data, "grew": data + b"tail", "shrank": data[:4000]}[change]
    if change == "grew":
        with open(path, "ab") as f:
            f.write(b"tail")
    elif change == "shrank":
        os.truncate(path, 4000)
    reads = []
    real = mediaio._readinto
    monkeypatch.setattr(mediaio, "_readinto", lambda fd, buf: reads.append(real(fd, buf)) or reads[-1])
    found, size = hash_from_media(path, [HashAlgorithm.XXH64], fd=opened.fd, flush=False, drop_behind=False,
                                  size_at_open=opened.size)
    assert size == len(now) and found[HashAlgorithm.XXH64] == xxhash.xxh64(now).hexdigest()
    assert reads == ([len(data)] if change == "none" else [len(now), 0])
