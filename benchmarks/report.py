"""How a benchmark reports: its figures as JSON on stdout, and in a file when asked."""

from __future__ import annotations

import json
from pathlib import Path


def emit(result: dict, json_path: Path | None) -> None:
    text = json.dumps(result, indent=2)
    print(text)
    if json_path:
        json_path.write_text(text + "\n")
