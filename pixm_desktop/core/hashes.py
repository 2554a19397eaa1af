"""Hash algorithms of ASC MHL v2.0 and their text forms.

Text forms follow ASC MHL v2.0 (docs/asc-mhl.md §Hash text forms): lowercase hex for md5/sha1/xxh64 (XXH64
seed 0, canonical big-endian), xxh3 (XXH3-64) and xxh128 (XXH3-128); c4 is the SMPTE ST 2114 C4 ID of the SHA-512 digest.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from enum import StrEnum
from typing import Protocol

import xxhash


class HashAlgorithm(StrEnum):
    """Hash formats, in the element order ASC MHL v2.0 requires inside ``<hash>``."""

    C4 = "c4"
    MD5 = "md5"
    SHA1 = "sha1"
    XXH128 = "xxh128"
    XXH3 = "xxh3"
    XXH64 = "xxh64"


#: Element order within ``<hash>`` / ``<directoryhash>`` (ASC MHL v2.0 XSD).
MHL_ORDER: tuple[HashAlgorithm, ...] = tuple(HashAlgorithm)
DEFAULT_ALGORITHM = HashAlgorithm.XXH64

C4_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
C4_LENGTH = 90


class Hasher(Protocol):
    def update(self, data: bytes | memoryview, /) -> None: ...
    def digest(self) -> bytes: ...


def new_hasher(algorithm: HashAlgorithm) -> Hasher:
    """A fresh incremental hasher for ``algorithm`` (c4 hashes with SHA-512 underneath)."""
    match HashAlgorithm(algorithm):
        case HashAlgorithm.XXH64:
            return xxhash.xxh64()
        case HashAlgorithm.XXH3:
            return xxhash.xxh3_64()
        case HashAlgorithm.XXH128:
            return xxhash.xxh3_128()
        case HashAlgorithm.MD5:
            return hashlib.md5(usedforsecurity=False)
        case HashAlgorithm.SHA1:
            return hashlib.sha1(usedforsecurity=False)
        case HashAlgorithm.C4:
            return hashlib.sha512()


def c4_encode(sha512_digest: bytes) -> str:
    """C4 ID (SMPTE ST 2114) of a 64-byte SHA-512 digest: ``"c4"`` + base58, left-padded with ``1`` to 90 chars."""
    if len(sha512_digest) != 64:
        raise ValueError(f"C4 needs a 64-byte SHA-512 digest, got {len(sha512_digest)} bytes")
    number = int.from_bytes(sha512_digest, "big")
    chars = []
    while number:
        number, rem = divmod(number, 58)
        chars.append(C4_ALPHABET[rem])
    body = "".join(reversed(chars)).rjust(C4_LENGTH - 2, "1")
    return "c4" + body


def c4_decode(c4_id: str) -> bytes:
    """The 64-byte SHA-512 digest inside a C4 ID. Raises ``ValueError`` for a malformed ID."""
    if len(c4_id) != C4_LENGTH or not c4_id.startswith("c4"):
        raise ValueError(f"not a C4 ID: {c4_id!r}")
    number = 0
    for ch in c4_id[2:]:
        idx = C4_ALPHABET.find(ch)
        if idx < 0:
            raise ValueError(f"not a C4 ID (bad character {ch!r}): {c4_id!r}")
        number = number * 58 + idx
    return number.to_bytes(64, "big")


def text_form(algorithm: HashAlgorithm, digest: bytes) -> str:
    """ASC MHL text form of a raw digest."""
    return c4_encode(digest) if algorithm == HashAlgorithm.C4 else digest.hex()


def raw_form(algorithm: HashAlgorithm, text: str) -> bytes:
    """Raw digest bytes from an ASC MHL text form (inverse of :func:`text_form`)."""
    return c4_decode(text) if algorithm == HashAlgorithm.C4 else bytes.fromhex(text)


def hash_bytes(data: bytes, algorithm: HashAlgorithm) -> str:
    """Text form of ``algorithm`` over ``data``."""
    h = new_hasher(algorithm)
    h.update(data)
    return text_form(algorithm, h.digest())


class MultiHasher:
    """Several algorithms fed from one pass over the bytes (the source is read once)."""

    def __init__(self, algorithms: Iterable[HashAlgorithm]):
        self.algorithms = tuple(HashAlgorithm(a) for a in algorithms)
        if not self.algorithms:
            raise ValueError("at least one hash algorithm is needed")
        self._hashers = [new_hasher(a) for a in self.algorithms]

    def update(self, data: bytes | memoryview) -> None:
        for h in self._hashers:
            h.update(data)

    def hexdigests(self) -> dict[HashAlgorithm, str]:
        """``{algorithm: text form}`` for every algorithm."""
        return {a: text_form(a, h.digest()) for a, h in zip(self.algorithms, self._hashers, strict=True)}


def parse_algorithms(spec: str | Iterable[str]) -> tuple[HashAlgorithm, ...]:
    """``"xxh64,md5"`` → ``(XXH64, MD5)``; raises ``ValueError`` naming the unknown format."""
    names = spec.split(",") if isinstance(spec, str) else list(spec)
    out: list[HashAlgorithm] = []
    for name in names:
        name = name.strip().lower()
        if not name:
            continue
        try:
            alg = HashAlgorithm(name)
        except ValueError:
            known = ", ".join(a.value for a in HashAlgorithm)
            raise ValueError(f"unknown hash format {name!r} (known: {known})") from None
        if alg not in out:
            out.append(alg)
    if not out:
        raise ValueError("no hash format given")
    return tuple(out)
