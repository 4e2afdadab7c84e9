"""A knob is defined once: the CLI options, the flow's parameters and prefect.yaml's deployment
parameters take their defaults from `crosswire.config.RunConfig` and the stage configs."""

from __future__ import annotations

import inspect
from pathlib import Path

import yaml
from typer.main import get_command

from crosswire.cli import app
from crosswire.config import DEFAULT_MAX_FILE_MB, RunConfig
from crosswire.extract.config import ExtractConfig
from crosswire.flows.pipeline import crosswire_pipeline
from crosswire.ingest.read import IngestConfig

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# flow parameter -> (CLI option of `crosswire run`, default in the configs)
RUN_KNOBS = {
    "data_dir": ("data_dir", RunConfig.data_dir),
    "project_dir": ("project_dir", RunConfig.project_dir),
    "lock_wait_seconds": ("lock_wait", RunConfig.lock_wait_seconds),
    "workers": ("workers", RunConfig.workers),
    "dask_address": ("dask_address", RunConfig.dask_address),
    "max_file_mb": ("max_file_mb", IngestConfig.max_file_bytes / 2**20),
    "max_doc_chars": ("max_doc_chars", IngestConfig.max_doc_chars),
    "document_seconds": ("document_seconds", ExtractConfig.document_seconds),
    "follow_symlinks": ("follow_symlinks", IngestConfig.follow_symlinks),
    "slice_files": ("slice_files", RunConfig.slice_files),
}


def cli_defaults(command: str) -> dict[str, object]:
    return {p.name: p.default for p in get_command(app).commands[command].params}


def test_flow_parameters_default_to_the_run_config():
    defaults = {name: p.default for name, p in inspect.signature(crosswire_pipeline.fn).parameters.items()}
    for parameter, (_, expected) in RUN_KNOBS.items():
        assert defaults[parameter] == expected, parameter
    assert defaults["batch_documents"] == RunConfig.batch_documents


def test_cli_run_options_default_to_the_run_config():
    defaults = cli_defaults("run")
    for _, (option, expected) in RUN_KNOBS.items():
        default = defaults[option]
        assert (str(default) if option == "data_dir" else default) == expected, option


def test_cli_serve_options_default_to_the_run_config():
    defaults = cli_defaults("serve")
    assert defaults["workers"] == RunConfig.workers
    assert defaults["dask_address"] == RunConfig.dask_address
    assert str(defaults["data_dir"]) == RunConfig.data_dir


def test_prefect_yaml_deployment_parameters_are_the_run_config_defaults():
    spec = yaml.safe_load((PROJECT_ROOT / "prefect.yaml").read_text())
    (deployment,) = spec["deployments"]
    parameters = deployment["parameters"]
    assert tuple(parameters.pop("sources")) == RunConfig.sources
    for parameter, value in parameters.items():
        assert value == RUN_KNOBS[parameter][1], parameter


def test_flat_parameters_build_the_nested_config():
    config = RunConfig.from_parameters(
        sources=["a"], workers=3, max_file_mb=1.5, max_doc_chars=5000, follow_symlinks=True
    )
    assert config.sources == ("a",) and config.workers == 3
    assert config.ingest == IngestConfig(
        max_file_bytes=int(1.5 * 2**20), max_doc_chars=5000, follow_symlinks=True
    )
    assert RunConfig.from_parameters().ingest == IngestConfig()
    assert RunConfig.from_parameters(document_seconds=5).extract == ExtractConfig(document_seconds=5)
    assert IngestConfig.max_file_bytes / 2**20 == DEFAULT_MAX_FILE_MB
