"""The data contract: every table crosswire writes, its Arrow schema and what each column means.

This module is the single source of truth, as a dbt `schema.yml` is for its models: a column is
declared once, with its type, its meaning, whether it may be null and what its values must look
like (an id format, a closed set of values, a range), and a table with its key. The Parquet
writer builds its tables from these schemas; the tables' DDL (`sql/0NN_<table>.sql`) and the
baseline Great Expectations suites (`expectations/<table>.json`) are generated from them by

    python -m crosswire.contract --write [PROJECT_DIR]

and checked in; `tests/test_contract.py` fails when they are stale. What a column list cannot
say (spans inside their document, rules across tables or columns, run-time parameters) is
hand-written in `expectations/<table>.checks.json`.

Offsets are 0-based, end exclusive, Python string indices into `documents.text`, so
`documents.text[start_char:end_char] == <table>.text` for every span table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

TIMESTAMP = pa.timestamp("us", tz="UTC")


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    doc: str
    nullable: bool = True
    # What every non-null value must satisfy beyond its type (the baseline suite checks it):
    pattern: str | None = None  # a regular expression the whole value matches
    values: tuple[str, ...] = ()  # the allowed values, when they are a closed set
    min_value: int | None = None  # numbers: inclusive bounds
    max_value: int | None = None
    min_length: int | None = None  # text: at least this many characters


@dataclass(frozen=True)
class Table:
    name: str
    doc: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    # fact tables are appended batch by batch; dimension tables are upserted by key and their
    # aggregate columns refreshed at load time from the facts
    kind: str = "fact"
    # the generated DDL file in sql/ (numbers below 100 are tables, views start at 110)
    sql_file: str = field(kw_only=True)
    # False: the DDL declares no PRIMARY KEY (the key is still checked by the suite)
    warehouse_key: bool = field(default=True, kw_only=True)

    @property
    def schema(self) -> pa.Schema:
        return pa.schema([pa.field(c.name, c.type, nullable=c.nullable) for c in self.columns])

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def to_arrow(self, rows: list[dict]) -> pa.Table:
        """Build an Arrow table from row dicts, in contract column order; missing keys are null."""
        return pa.Table.from_pylist(rows, schema=self.schema)

    def empty(self) -> pa.Table:
        return self.schema.empty_table()


def _c(name: str, type_: pa.DataType, doc: str, nullable: bool = True, **checks: object) -> Column:
    return Column(name, type_, doc, nullable, **checks)


def id_pattern(prefix: str) -> str:
    """The format of `crosswire.ids.stable_id(prefix, ...)`: the prefix and 16 hex digits."""
    return f"^{prefix}[0-9a-f]{{16}}$"


STR, I32, I64, F64, BOOL = pa.string(), pa.int32(), pa.int64(), pa.float64(), pa.bool_()
STR_LIST = pa.list_(pa.string())

DOC_ID, SENTENCE_CLUSTER_ID, ENTITY_ID = id_pattern("d"), id_pattern("s"), id_pattern("e")
# ISO 8601: a day (2017-04-11), a week (2017-W15), a month (2017-04) or a year (2017)
ISO_DATE_VALUE = "^[0-9]{4}(?:-[0-9]{2}(?:-[0-9]{2})?|-W[0-9]{2})?$"

SPEAKER_KINDS = ("person", "organisation", "description", "pronoun", "none")
SPEAKER_METHODS = ("named", "pronoun", "title", "organisation", "description", "continuation", "none")
ENTITY_LABELS = (
    "PERSON",
    "NORP",
    "FAC",
    "ORG",
    "GPE",
    "LOC",
    "PRODUCT",
    "EVENT",
    "WORK_OF_ART",
    "LAW",
    "LANGUAGE",
)
LINK_METHODS = ("exact", "partial", "fuzzy", "alias")
TIME_GRANULARITIES = ("day", "week", "month", "year")
TIME_ANCHORS = ("published_at", "explicit")
MATCH_METHODS = ("minhash_jaccard", "containment")
DEDUP_KINDS = ("sentence", "quote")

DOCUMENTS = Table(
    "documents",
    "One row per distinct article text; the same text under two paths is one document.",
    ("doc_id",),
    (
        _c("doc_id", STR, "'d' + 16 hex of BLAKE2b over the normalized text", False, pattern=DOC_ID),
        _c("source", STR, "outlet: JSONL field, sidecar .meta.json, first folder, or file stem", False),
        _c("path", STR, "file the text was first read from (JSONL: 'file.jsonl:LINE')", False),
        _c("title", STR, "title from metadata, else the first non-empty line"),
        _c("url", STR, "article URL from metadata, when given"),
        _c("published_at", TIMESTAMP, "publication time from metadata (UTC), when given"),
        _c(
            "text",
            STR,
            "normalized article text; every offset in crosswire points into it",
            False,
            min_length=1,
        ),
        _c("n_sentences", I32, "number of rows in `sentences` for this document", False, min_value=0),
        _c("n_words", I32, "whitespace-separated words in `text`", False, min_value=0),
        _c("language", STR, "ISO 639-1 code of the text's language ('und' when unknown)"),
        _c("encoding", STR, "encoding the file was decoded from", False),
        _c("ingested_at", TIMESTAMP, "when the run that loaded it started", False),
        _c("run_id", STR, "run that loaded it", False),
    ),
    sql_file="010_documents.sql",
)

DOCUMENT_FILES = Table(
    "document_files",
    "Every file (or JSONL line) a document was read from: provenance, and the manifest that lets a "
    "re-run skip unchanged files without reading them.",
    ("path", "doc_id"),
    (
        _c("path", STR, "file path as discovered (JSONL: 'file.jsonl:LINE')", False),
        _c("doc_id", STR, "document read from it", False, pattern=DOC_ID),
        _c("source", STR, "outlet assigned to this file", False),
        _c("size_bytes", I64, "file size when read", False, min_value=0),
        _c("mtime_ns", I64, "file modification time when read (ns since epoch)", False),
        _c("run_id", STR, "run that read it", False),
        _c(
            "file_path",
            STR,
            "the file itself (a JSONL line's file): what the skip manifest is kept by",
            False,
        ),
    ),
    sql_file="020_document_files.sql",
)

SENTENCES = Table(
    "sentences",
    "Every sentence occurrence with its place in its document.",
    ("doc_id", "sentence_idx"),
    (
        _c("doc_id", STR, "document it occurs in", False, pattern=DOC_ID),
        _c("sentence_idx", I32, "0-based position among the document's sentences", False, min_value=0),
        _c("paragraph_idx", I32, "0-based paragraph (blank-line separated block)", False, min_value=0),
        _c("start_char", I32, "offset of the first character in documents.text", False),
        _c("end_char", I32, "offset after the last character in documents.text", False),
        _c("text", STR, "documents.text[start_char:end_char]", False, min_length=1),
        _c("normalized_key", STR, "exact-tier key: NFKC, casefold, letters and digits only", False),
        _c("cluster_id", STR, "sentence cluster it belongs to", False, pattern=SENTENCE_CLUSTER_ID),
    ),
    sql_file="030_sentences.sql",
)

SENTENCE_CLUSTERS = Table(
    "sentence_clusters",
    "Groups of sentences judged the same. Counts and first-seen columns span every loaded run: the "
    "load recomputes them from `sentences` for each cluster a batch touches.",
    ("cluster_id",),
    (
        _c(
            "cluster_id",
            STR,
            "'s' + 16 hex of BLAKE2b over the founding normalized key",
            False,
            pattern=SENTENCE_CLUSTER_ID,
        ),
        _c("canonical_text", STR, "text of the first-seen occurrence (see README)", False),
        _c("normalized_key", STR, "normalized key of the canonical occurrence", False),
        _c("n_occurrences", I64, "sentence rows in the cluster", False),
        _c("n_documents", I64, "distinct documents among them", False),
        _c("n_sources", I64, "distinct sources among them", False, min_value=1),
        _c("sources", STR_LIST, "sorted distinct sources", False),
        _c("first_seen_doc_id", STR, "document of the first-seen occurrence", False, pattern=DOC_ID),
        _c("first_seen_source", STR, "source of the first-seen occurrence", False),
        _c("first_seen_at", TIMESTAMP, "earliest published_at, else ingested_at", False),
    ),
    kind="dimension",
    sql_file="040_sentence_clusters.sql",
)

SENTENCE_MATCHES = Table(
    "sentence_matches",
    "Why two sentence variants share a cluster: the verified near-duplicate link and its scores.",
    ("match_id",),
    (
        _c("match_id", STR, "'m' + 16 hex of BLAKE2b over the two normalized keys", False),
        _c("cluster_id", STR, "cluster the link put the left variant in", False),
        _c("left_doc_id", STR, "document of the left variant's first occurrence", False),
        _c("left_sentence_idx", I32, "its sentence_idx", False),
        _c("left_text", STR, "its text", False),
        _c("right_doc_id", STR, "document of the right variant's first occurrence in this batch"),
        _c("right_sentence_idx", I32, "its sentence_idx (null: the right variant was loaded earlier)"),
        _c("right_text", STR, "the right variant's text", False),
        _c("right_cluster_id", STR, "cluster of the right variant", False),
        _c(
            "method",
            STR,
            "minhash_jaccard or containment (exact matches need no evidence: their keys are equal)",
            False,
            values=MATCH_METHODS,
        ),
        _c(
            "jaccard",
            F64,
            "Jaccard similarity of the two word sets (typos paired off)",
            False,
            min_value=0,
            max_value=1,
        ),
        _c(
            "containment",
            F64,
            "share of the shorter's words found in the longer",
            False,
            min_value=0,
            max_value=1,
        ),
        _c("run_id", STR, "run that found the link", False),
    ),
    sql_file="041_sentence_matches.sql",
)

DEDUP_VARIANTS = Table(
    "dedup_variants",
    "Dedup index: every distinct normalized key seen, and its cluster (sentence or quote tier).",
    ("kind", "normalized_key"),
    (
        _c(
            "kind",
            STR,
            "'sentence' (sentence_clusters) or 'quote' (quotes.quote_cluster_id)",
            False,
            values=DEDUP_KINDS,
        ),
        _c("normalized_key", STR, "exact-tier key", False),
        _c("variant_id", I64, "64-bit BLAKE2b of normalized_key, as stored in dedup_bands", False),
        _c("cluster_id", STR, "cluster it belongs to (never changes once loaded)", False),
        _c(
            "text",
            STR,
            "text of its first-seen occurrence, for verifying later candidates",
            False,
            min_length=1,
        ),
        _c("run_id", STR, "run that indexed it", False),
    ),
    sql_file="042_dedup_variants.sql",
)

DEDUP_BANDS = Table(
    "dedup_bands",
    "Dedup index: the MinHash-LSH band hashes of every hashed variant (32 each); a new variant's "
    "candidates are the indexed variants sharing one of them.",
    ("kind", "band_hash", "variant_id"),
    (
        _c("kind", STR, "'sentence' or 'quote', as in dedup_variants", False, values=DEDUP_KINDS),
        _c("band_hash", I64, "hash of one band of the variant's MinHash signature", False),
        _c("variant_id", I64, "dedup_variants.variant_id of the variant", False),
    ),
    sql_file="043_dedup_bands.sql",
    # the load adds bands only for variants new to the index, so the key holds without a
    # warehouse index over 32 rows per variant
    warehouse_key=False,
)

ENTITIES = Table(
    "entities",
    "Canonical named entities: one row per person, organisation, place, ... Aliases and counts span "
    "every loaded run: the load recomputes them from `entity_mentions` for each entity a batch "
    "touches.",
    ("entity_id",),
    (
        _c(
            "entity_id",
            STR,
            "'e' + 16 hex of BLAKE2b over label group and canonical key",
            False,
            pattern=ENTITY_ID,
        ),
        _c("name", STR, "canonical name (the fullest form seen)", False),
        _c("label", STR, "spaCy label (PERSON, ORG, GPE, NORP, ...)", False, values=ENTITY_LABELS),
        _c("aliases", STR_LIST, "distinct surface forms linked to it", False),
        _c("n_mentions", I64, "rows in entity_mentions", False),
        _c("n_documents", I64, "distinct documents mentioning it", False),
        _c("n_sources", I64, "distinct sources mentioning it", False, min_value=1),
    ),
    kind="dimension",
    sql_file="050_entities.sql",
)

ENTITY_MENTIONS = Table(
    "entity_mentions",
    "Every named-entity mention, linked to its canonical entity.",
    ("doc_id", "start_char", "end_char"),
    (
        _c("doc_id", STR, "document", False, pattern=DOC_ID),
        _c("sentence_idx", I32, "sentence the mention starts in", False, min_value=0),
        _c("start_char", I32, "offset into documents.text", False),
        _c("end_char", I32, "offset into documents.text (exclusive)", False),
        _c("text", STR, "documents.text[start_char:end_char]", False),
        _c("label", STR, "spaCy label", False, values=ENTITY_LABELS),
        _c("entity_id", STR, "canonical entity", False, pattern=ENTITY_ID),
        _c("title", STR, "title split from a person's name ('Secretary of State')"),
        _c("link_method", STR, "how it was linked: exact, partial, fuzzy, alias", False, values=LINK_METHODS),
    ),
    sql_file="060_entity_mentions.sql",
)

QUOTES = Table(
    "quotes",
    "Direct quotes: one row per contiguous quoted span, with its resolved speaker.",
    ("quote_id",),
    (
        _c(
            "quote_id", STR, "'q' + 16 hex of BLAKE2b over doc_id and offsets", False, pattern=id_pattern("q")
        ),
        _c("doc_id", STR, "document", False, pattern=DOC_ID),
        _c("start_char", I32, "offset of the first quoted character (inside the marks)", False),
        _c("end_char", I32, "offset after the last quoted character (inside the marks)", False),
        _c("text", STR, "documents.text[start_char:end_char]", False),
        _c("normalized_key", STR, "exact-tier key of the quoted words", False),
        _c("quote_cluster_id", STR, "quotes with the same words share it", False),
        _c("speaker", STR, "canonical speaker name, null when the text does not say"),
        _c("speaker_entity_id", STR, "entities.entity_id of the speaker, when linked", pattern=ENTITY_ID),
        _c(
            "speaker_method",
            STR,
            "named, pronoun, title, organisation, description, continuation, none",
            False,
            values=SPEAKER_METHODS,
        ),
        _c("cue", STR, "attribution verb or marker ('said', 'told', ':'), when found"),
        _c(
            "speaker_kind",
            STR,
            "person, organisation, description (kept as written), pronoun (left unresolved), none",
            False,
            values=SPEAKER_KINDS,
        ),
        _c(
            "speaker_title",
            STR,
            "the speaker's title ('chief economist'), from an apposition or pre-modifier",
        ),
        _c(
            "speaker_affiliation",
            STR,
            "organisation the text ties the speaker to ('a spokesman for Ryanair')",
        ),
        _c(
            "speakers",
            STR_LIST,
            "every speaker of a coordinated subject ('Lee and Ortiz wrote'); [] when none",
            False,
        ),
    ),
    sql_file="070_quotes.sql",
)

TIME_MENTIONS = Table(
    "time_mentions",
    "Time expressions (dates, weekdays, 'this week', years), normalized to ISO values.",
    ("mention_id",),
    (
        _c(
            "mention_id",
            STR,
            "'t' + 16 hex of BLAKE2b over doc_id and offsets",
            False,
            pattern=id_pattern("t"),
        ),
        _c("doc_id", STR, "document", False, pattern=DOC_ID),
        _c("sentence_idx", I32, "sentence the expression starts in", False, min_value=0),
        _c("start_char", I32, "offset into documents.text", False),
        _c("end_char", I32, "offset into documents.text (exclusive)", False),
        _c("text", STR, "documents.text[start_char:end_char]", False),
        _c(
            "value",
            STR,
            "ISO value: 2017-04-11, 2017-W15, 2017-04 or 2017; null when unresolved",
            pattern=ISO_DATE_VALUE,
        ),
        _c("granularity", STR, "day, week, month or year; null when unresolved", values=TIME_GRANULARITIES),
        _c("is_relative", BOOL, "true when the value depends on an anchor (Tuesday, this week)", False),
        _c(
            "anchor",
            STR,
            "resolved against: published_at, or explicit; null when unresolved",
            values=TIME_ANCHORS,
        ),
    ),
    sql_file="075_time_mentions.sql",
)

RUNS = Table(
    "runs",
    "One row per pipeline run that reached the load stage, written in the load's transaction.",
    ("run_id",),
    (
        _c("run_id", STR, "run id (the Prefect flow run id when run under Prefect)", False),
        _c("started_at", TIMESTAMP, "when the run started", False),
        _c("finished_at", TIMESTAMP, "when the load committed", False),
        _c("status", STR, "completed, or failed_validation", False),
        _c("n_documents_new", I64, "documents loaded by this run", False),
        _c("n_documents_skipped", I64, "documents already in the warehouse", False),
        _c("n_files_rejected", I64, "files or lines rejected by this run", False),
        _c("n_sentences", I64, "sentences loaded by this run", False),
        _c("validation_success", BOOL, "Great Expectations verdict on the batch", False),
        _c("n_expectations", I64, "expectations evaluated", False),
        _c("n_expectations_failed", I64, "expectations that failed", False),
    ),
    sql_file="080_runs.sql",
)

REJECTED_FILES = Table(
    "rejected_files",
    "Inputs that could not become documents, and why. Kept once per path and reason.",
    ("path", "reason"),
    (
        _c("run_id", STR, "run that first rejected it", False),
        _c("path", STR, "file path (JSONL: 'file.jsonl:LINE')", False),
        _c("reason", STR, "what was wrong, in words a user can act on", False, min_length=1),
    ),
    sql_file="090_rejected_files.sql",
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        DOCUMENTS,
        DOCUMENT_FILES,
        SENTENCES,
        SENTENCE_CLUSTERS,
        SENTENCE_MATCHES,
        DEDUP_VARIANTS,
        DEDUP_BANDS,
        ENTITIES,
        ENTITY_MENTIONS,
        QUOTES,
        RUNS,
        REJECTED_FILES,
        TIME_MENTIONS,
    )
}

# Tables a run writes as a Parquet batch, validates, then loads (runs is written by the load).
BATCH_TABLES: tuple[str, ...] = tuple(name for name in TABLES if name != "runs")


if __name__ == "__main__":  # python -m crosswire.contract [--write] [PROJECT_DIR]
    import sys

    from crosswire.contract_render import main

    sys.exit(main())
