"""Every knob of a run, defined once.

Each stage owns a small frozen dataclass (`IngestConfig`, `DedupConfig`, `ExtractConfig`);
`RunConfig` holds the run-level knobs and one of each. The `crosswire run` options, the Prefect
flow's parameters and `prefect.yaml`'s deployment parameters take their defaults from here
(`tests/test_config.py` compares them).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from crosswire.dedup.sentence_dedup import DedupConfig
from crosswire.extract.config import ExtractConfig
from crosswire.ingest.read import IngestConfig

# a run with at least this many bytes of new or changed files (~100 news articles) starts its
# worker processes, each loading the spaCy model, as it begins (`flows.runner.warm_workers`); a
# smaller run extracts in the flow's own process (loading the model there takes ~1 s)
WARM_WORKERS_BYTES = 256 * 1024


@dataclass(frozen=True)
class RunConfig:
    sources: tuple[str, ...] = ("seeds",)
    data_dir: str = "data"
    project_dir: str | None = None  # where sql/ and expectations/ are read (None: see crosswire.project)
    lock_wait_seconds: float = 60.0  # how long a run waits for another process holding the warehouse
    workers: int = 2  # processes for the per-document stages (read+normalize+segment, extract)
    batch_documents: int = 200  # documents per extract task
    # bytes of files per read-normalize-segment task: a run with less reads in its own process,
    # as starting worker processes (~2 s) costs more than reading 16 MiB of text (~1 s)
    batch_bytes: int = 16 * 2**20
    slice_files: int = 10_000  # changed files loaded per slice (a run of its own): bounds memory
    dask_address: str | None = None  # run the per-document stages on this Dask scheduler instead
    ingest: IngestConfig = field(default_factory=IngestConfig)
    dedup: DedupConfig = field(default_factory=DedupConfig)
    extract: ExtractConfig = field(default_factory=ExtractConfig)

    @classmethod
    def from_parameters(
        cls,
        *,
        sources: list[str] | tuple[str, ...] | None = None,
        max_file_mb: float | None = None,
        max_doc_chars: int | None = None,
        follow_symlinks: bool | None = None,
        document_seconds: float | None = None,
        **run_knobs: object,
    ) -> RunConfig:
        """A config from the flat parameters the CLI and the flow take (`max_file_mb`,
        `max_doc_chars` and `follow_symlinks` are the ingest stage's, `document_seconds` the
        extract stage's)."""
        ingest = IngestConfig(
            max_file_bytes=(
                int(max_file_mb * 2**20) if max_file_mb is not None else IngestConfig.max_file_bytes
            ),
            max_doc_chars=IngestConfig.max_doc_chars if max_doc_chars is None else max_doc_chars,
            follow_symlinks=IngestConfig.follow_symlinks if follow_symlinks is None else follow_symlinks,
        )
        extract = ExtractConfig(
            document_seconds=ExtractConfig.document_seconds if document_seconds is None else document_seconds
        )
        return cls(sources=tuple(sources or cls.sources), ingest=ingest, extract=extract, **run_knobs)  # type: ignore[arg-type]


DEFAULT_MAX_FILE_MB = IngestConfig.max_file_bytes / 2**20
