"""crosswire: news articles in, a deduplicated, validated DuckDB warehouse out.

The stages, in the order the data meets them: `ingest` (discover, decode, read), `text`
(normalize, segment), `dedup`, `extract` (entities, quotes, dates), `validate` (Great
Expectations), `store` (Parquet batches, the DuckDB warehouse). `crosswire.flows` is the
project's `flows/` folder (the Prefect flow and its thin tasks), installed inside the package.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("crosswire")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0+unknown"
