"""Keep the offload settings and the window layout between runs (QSettings: registry, plist or INI file)."""

from __future__ import annotations

import json
from dataclasses import asdict, fields

from PySide6.QtCore import QByteArray, QSettings

from pixm_desktop.services.settings import DestinationSetting, OffloadSettings

ORG, APP = "PIXM", "PIXM Desktop"


def default_qsettings() -> QSettings:
    return QSettings(ORG, APP)


def load_settings(qs: QSettings) -> OffloadSettings:
    """Settings saved by :func:`save_settings`; defaults for anything missing or unreadable."""
    s = OffloadSettings()
    raw = qs.value("offload/settings")
    if not raw:
        return s
    try:
        data = json.loads(str(raw))
    except ValueError:
        return s
    known = {f.name for f in fields(OffloadSettings)}
    for k, v in data.items():
        if k not in known:
            continue
        if k == "destinations":
            v = [DestinationSetting(str(d.get("path", "")), bool(d.get("required", True))) for d in v
                 if isinstance(d, dict) and d.get("path")]
        setattr(s, k, v)
    s.min_copies = max(1, int(s.min_copies))
    return s


def settings_json(s: OffloadSettings) -> str:
    return json.dumps(asdict(s))


def save_settings(qs: QSettings, s: OffloadSettings) -> None:
    qs.setValue("offload/settings", settings_json(s))
    qs.sync()


def write_settings_file(file_name: str, fmt: QSettings.Format, data: str) -> None:
    """Worker thread: write the settings through a QSettings of this thread (QSettings objects for one
    location share their data within the process, so the window's own object sees the change)."""
    qs = QSettings(file_name, fmt)
    qs.setValue("offload/settings", data)
    qs.sync()


def save_bytes(qs: QSettings, key: str, value: QByteArray) -> None:
    qs.setValue(key, value)


def load_bytes(qs: QSettings, key: str) -> QByteArray | None:
    v = qs.value(key)
    return v if isinstance(v, QByteArray) and not v.isEmpty() else None


def save_list(qs: QSettings, key: str, values: list) -> None:
    """Keep a list of JSON values (folders added by hand, the queue's waiting jobs) under ``key``."""
    qs.setValue(key, json.dumps(list(values)))


def load_list(qs: QSettings, key: str) -> list:
    """The list :func:`save_list` kept (empty when missing or unreadable)."""
    raw = qs.value(key)
    if not raw:
        return []
    try:
        data = json.loads(str(raw))
    except ValueError:
        return []
    return data if isinstance(data, list) else []
