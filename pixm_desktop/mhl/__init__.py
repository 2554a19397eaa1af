"""ASC MHL v2.0 write/read/verify and legacy MHL v1 read. No Qt, no database."""

from .legacy import LegacyCreator, LegacyEntry, LegacyManifest, read_legacy_mhl, verify_legacy
from .model import (
    DEFAULT_IGNORES,
    Action,
    CreatorInfo,
    DirectoryHash,
    GenerationInfo,
    HashListReference,
    MhlFileRecord,
    MhlGeneration,
    MhlHistory,
    Process,
    VerifyEntry,
    VerifyReport,
    VerifyStatus,
)
from .reader import read_history
from .verify import verify_history
from .writer import write_generation

__all__ = [
    "DEFAULT_IGNORES",
    "Action",
    "CreatorInfo",
    "DirectoryHash",
    "GenerationInfo",
    "HashListReference",
    "LegacyCreator",
    "LegacyEntry",
    "LegacyManifest",
    "MhlFileRecord",
    "MhlGeneration",
    "MhlHistory",
    "Process",
    "VerifyEntry",
    "VerifyReport",
    "VerifyStatus",
    "read_history",
    "read_legacy_mhl",
    "verify_history",
    "verify_legacy",
    "write_generation",
]
