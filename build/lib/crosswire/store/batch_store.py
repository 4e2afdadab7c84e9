"""Write stage: the run's tables as Parquet, written atomically and moved only when settled.

Layout under the data dir:
- `staging/<run_id>/<table>.parquet`: the batch being validated and loaded;
- `parquet/<table>/run=<run_id>/part-0.parquet`: batches whose load committed (Hive-style,
  so `read_parquet('data/parquet/sentences/*/*.parquet', hive_partitioning = true)` works);
- `quarantine/<run_id>/`: batches that failed validation, with `validation.json`.

Every file is written to a temporary name in the same folder, flushed, then renamed, so a
reader or a crash never sees half a file. `settle_staging` finishes what a killed run left:
a committed batch is published, an uncommitted one is discarded (its inputs are read again).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq


def atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write_parquet(path: Path, table: pa.Table) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        pq.write_table(table, tmp, compression="zstd")
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as error:
        raise OSError(error.errno, f"could not write {path}: {error.strerror or error}") from error
    finally:
        tmp.unlink(missing_ok=True)


def staging_dir(data_dir: Path, run_id: str) -> Path:
    return data_dir / "staging" / run_id


def write_batch(data_dir: Path, run_id: str, tables: dict[str, pa.Table]) -> Path:
    """Write every table of the batch to `staging/<run_id>/`; return that folder."""
    folder = staging_dir(data_dir, run_id)
    for name, table in tables.items():
        atomic_write_parquet(folder / f"{name}.parquet", table)
    return folder


def read_batch(folder: Path) -> dict[str, pa.Table]:
    return {path.stem: pq.read_table(path) for path in sorted(folder.glob("*.parquet"))}


def publish_batch(data_dir: Path, run_id: str) -> None:
    """Move a committed batch from staging into the Parquet datasets."""
    folder = staging_dir(data_dir, run_id)
    if not folder.is_dir():
        return
    for path in sorted(folder.glob("*.parquet")):
        target = data_dir / "parquet" / path.stem / f"run={run_id}" / "part-0.parquet"
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
    shutil.rmtree(folder, ignore_errors=True)


def quarantine_batch(data_dir: Path, run_id: str, report: dict) -> Path:
    """Move a batch that failed validation to `quarantine/<run_id>/` with its validation result."""
    target = data_dir / "quarantine" / run_id
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(staging_dir(data_dir, run_id), target)
    atomic_write_bytes(target / "validation.json", json.dumps(report, indent=2, default=str).encode())
    return target


def settle_staging(data_dir: Path, committed_run_ids: set[str]) -> list[str]:
    """Publish batches whose load committed before a crash; drop the others. Returns published ids."""
    published = []
    root = data_dir / "staging"
    for folder in sorted(root.glob("*")) if root.is_dir() else []:
        if folder.name in committed_run_ids:
            publish_batch(data_dir, folder.name)
            published.append(folder.name)
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return published
