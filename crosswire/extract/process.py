"""Extraction with the model loaded once per process, and the process a small run extracts in.

A run of less than `WARM_WORKERS_BYTES` of new files gets no worker processes: starting them and
loading the model in each would cost more than the work they would share. The command line
starts an `ExtractorProcess` for it instead, before Prefect is imported, which loads the model on
the other core while the flow starts and reads (`crosswire.early`). Nothing here imports spaCy
until it extracts.
"""

from __future__ import annotations

from crosswire.early import EarlyProcess
from crosswire.extract.config import ExtractConfig


class ExtractorProcess(EarlyProcess):
    """A process that loads `model` as it starts, then extracts what the run hands it."""

    def __init__(self, model: str = ExtractConfig.model) -> None:
        super().__init__(_load_model, model)

    def extract(
        self, documents: list[dict], sentences: list[dict], known_entities: list[dict], config: ExtractConfig
    ) -> dict[str, list]:
        return self.run(extract_with_model, documents, sentences, known_entities, config)


def extract_with_model(
    documents: list[dict], sentences: list[dict], known_entities: list[dict], config: ExtractConfig
) -> dict[str, list]:
    """`extract_facts` with this process's pipeline for `config.model` (loaded on first use)."""
    from crosswire.extract.facts import extract_facts, shared_nlp

    return extract_facts(documents, sentences, shared_nlp(config), config, known_entities=known_entities)


def _load_model(model: str) -> None:
    from crosswire.extract.facts import shared_nlp

    shared_nlp(ExtractConfig(model=model))
