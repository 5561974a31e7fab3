"""``<backup_dir>/deploy_history.jsonl``: one JSON object per line for every deploy, rollback and restore.

A run appends a ``started`` record when it takes the lock and its final record when it ends, both with the
same ``id``; a run killed in between therefore still shows up (as ``interrupted``) instead of vanishing.
Appending whole lines keeps the file readable with ``tail`` and ``jq`` and safe against a crash mid-write.
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from pathlib import Path

from .lock import current_user
from .services import process_alive


def new_record(kind: str) -> dict:
    return {
        "id": uuid.uuid4().hex[:12],
        "kind": kind,
        "user": current_user(),
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "result": "started",
    }


def append(path: Path, record: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(record, sort_keys=True, default=str) + "\n"
    with open(path, "a", encoding="utf-8") as stream:
        stream.write(line)
        stream.flush()
        os.fsync(stream.fileno())


def read(path: Path) -> list[dict]:
    """Runs in the order they started, the last record of each id winning; unreadable lines are skipped."""
    if not path.exists():
        return []
    runs: dict[str, dict] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and record.get("id"):
            runs[record["id"]] = {**runs.get(record["id"], {}), **record}
    for record in runs.values():
        if record.get("result") == "started":
            same_host = record.get("host") == socket.gethostname()
            if same_host and not process_alive(int(record.get("pid", 0) or 0)):
                record["result"] = "interrupted"
            elif not same_host:
                record["result"] = "started (other host)"
            else:
                record["result"] = "running"
    return list(runs.values())
