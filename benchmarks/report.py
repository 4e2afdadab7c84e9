"""How a benchmark reports: its figures as JSON on stdout, and in a file when asked."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path


def emit(result: dict, json_path: Path | None) -> None:
    text = json.dumps(result, indent=2)
    print(text)
    if json_path:
        json_path.write_text(text + "\n")


def stamped(figures: dict, load_before: tuple[float, float, float]) -> dict:
    """The figures with when, at which commit and under what load of the machine they were taken."""
    return {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=Path(__file__).parent
        ).stdout.strip(),
        **figures,
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
        "cpus": os.cpu_count(),
    }
