"""A crosswire project is a folder, as a dbt or Great Expectations project is.

Its `sql/` (tables, views, migrations) and `expectations/` (the Great Expectations suites) are
read from the project directory: `--project-dir DIR`, else `CROSSWIRE_PROJECT_DIR`, else the
current directory. A folder without one of them uses the copy packaged inside the wheel
(`crosswire.defaults`), so `crosswire run --source DIR` works from any folder, and a second
checkout (a git worktree) runs its own edited suites and views, not the installed ones.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR_VARIABLE = "CROSSWIRE_PROJECT_DIR"


class ProjectNotFound(FileNotFoundError):
    """An explicitly named project directory does not exist."""


@dataclass(frozen=True)
class Project:
    root: Path  # the project directory (may hold neither folder: then both are the defaults)
    sql_dir: Path
    expectations_dir: Path

    @property
    def migrations_dir(self) -> Path:
        return self.sql_dir / "migrations"

    def describe(self) -> str:
        """Where the SQL and the suites come from, for the run's log."""

        def origin(path: Path) -> str:
            return str(path) if path.is_relative_to(self.root) else f"{path} (packaged default)"

        return f"sql: {origin(self.sql_dir)}; expectations: {origin(self.expectations_dir)}"


def packaged_default(name: str) -> Path:
    """The copy of the project folder `name` (sql, expectations, seeds) installed with the package:
    in a wheel, `crosswire/defaults/<name>/`; in an editable install, the checkout's own folder."""
    package_dir = Path(__file__).resolve().parent
    for candidate in (package_dir / "defaults" / name, package_dir.parent / name):
        if candidate.is_dir():
            return candidate
    raise ProjectNotFound(f"the packaged default {name}/ is missing from {package_dir}: reinstall crosswire")


def find_project(project_dir: str | Path | None = None) -> Project:
    """The project at `project_dir`, else `$CROSSWIRE_PROJECT_DIR`, else the current directory."""
    named = project_dir or os.environ.get(PROJECT_DIR_VARIABLE)
    root = Path(named or ".").absolute()
    if named and not root.is_dir():
        raise ProjectNotFound(f"project directory {root} does not exist (from --project-dir or "
                              f"{PROJECT_DIR_VARIABLE})")  # fmt: skip

    def folder(name: str) -> Path:
        return root / name if (root / name).is_dir() else packaged_default(name)

    return Project(root=root, sql_dir=folder("sql"), expectations_dir=folder("expectations"))
