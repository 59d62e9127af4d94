"""Conversation state: in memory for the REPL and the browser, on disk for `ask --session`."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from assistant.chat.followup import Turn

MAX_TURNS_KEPT = 20
SESSION_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


@dataclass
class Conversation:
    turns: list[Turn] = field(default_factory=list)

    def add(self, turn: Turn) -> None:
        self.turns = (self.turns + [turn])[-MAX_TURNS_KEPT:]


class SessionStore:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, name: str) -> Path:
        if not SESSION_NAME.match(name) or name.startswith("."):
            raise ValueError(f"invalid session name {name!r}: use letters, digits, '-', '_' or '.'")
        return self.folder / f"{name}.json"

    def load(self, name: str) -> Conversation:
        path = self._path(name)
        if not path.exists():
            return Conversation()
        data = json.loads(path.read_text(encoding="utf-8"))
        return Conversation([Turn(**t) for t in data.get("turns", [])])

    def save(self, name: str, conversation: Conversation) -> None:
        path = self._path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"turns": [asdict(t) for t in conversation.turns]}, ensure_ascii=False), "utf-8")
        tmp.replace(path)
