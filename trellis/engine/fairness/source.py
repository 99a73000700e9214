"""Open the audit input as a DuckDB relation, whatever form it arrives in."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from trellis.engine.fairness.errors import AuditInputError

CSV_SUFFIXES = (".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz")
PARQUET_SUFFIXES = (".parquet", ".pq", ".parq")


@dataclass(frozen=True)
class Source:
    """An audit input opened in DuckDB, with its column names and DuckDB type names.

    Opening reads only metadata (file headers, Parquet footers or an Arrow schema), never the rows.
    """

    relation: duckdb.DuckDBPyRelation
    description: str
    columns: tuple[str, ...]
    types: dict[str, str]

    def require(self, column: str, role: str) -> str:
        """Return the DuckDB type name of ``column``, or raise naming it and the available ones."""
        if column not in self.types:
            available = ", ".join(repr(name) for name in self.columns)
            raise AuditInputError(
                f"{role} column {column!r} is not in {self.description}; "
                f"available columns: {available}"
            )
        return self.types[column]


def _open_path(path: Path, connection: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyRelation:
    name = path.name.lower()
    is_glob = any(character in str(path) for character in "*?[")
    if not is_glob and not path.exists():
        raise AuditInputError(f"cannot read {path}: no such file")
    if not is_glob and path.is_dir():
        return connection.read_parquet(str(path / "**" / "*.parquet"))
    if name.endswith(PARQUET_SUFFIXES):
        return connection.read_parquet(str(path))
    if name.endswith(CSV_SUFFIXES):
        return connection.read_csv(str(path))
    raise AuditInputError(
        f"cannot read {path}: expected a CSV ({', '.join(CSV_SUFFIXES)}) or Parquet "
        f"({', '.join(PARQUET_SUFFIXES)}) file"
    )


def open_source(data: Any) -> Source:
    """Open ``data`` as a DuckDB relation without scanning it.

    Parameters
    ----------
    data : str, Path, pyarrow.Table, pandas.DataFrame, polars.DataFrame or DuckDBPyRelation
        A path to a CSV or Parquet file (or a directory or glob of Parquet files), or an in-memory
        table. A DuckDB relation is used on its own connection.

    Raises
    ------
    AuditInputError
        If the file is missing or unreadable, or the object is not a supported table.
    """
    if isinstance(data, duckdb.DuckDBPyRelation):
        relation, description = data, "the DuckDB relation"
    else:
        connection = duckdb.connect()
        if isinstance(data, str | Path):
            path = Path(data)
            description = str(path)
            try:
                relation = _open_path(path, connection)
            except duckdb.Error as exc:
                raise AuditInputError(f"cannot read {path}: {exc}") from exc
        else:
            relation, description = _open_object(data, connection)
    columns = tuple(relation.columns)
    types = {column: str(kind) for column, kind in zip(columns, relation.types, strict=True)}
    return Source(relation, description, columns, types)


def _open_object(
    data: Any, connection: duckdb.DuckDBPyConnection
) -> tuple[duckdb.DuckDBPyRelation, str]:
    module = type(data).__module__.split(".")[0]
    kind = type(data).__name__
    if module == "pyarrow" and kind in {"Table", "RecordBatch"}:
        return connection.from_arrow(data), "the Arrow table"
    if module == "pandas" and kind == "DataFrame":
        return connection.from_df(data), "the pandas DataFrame"
    if module == "polars" and kind in {"DataFrame", "LazyFrame"}:
        frame = data.collect() if kind == "LazyFrame" else data
        return connection.from_arrow(frame.to_arrow()), "the polars DataFrame"
    raise AuditInputError(
        f"cannot audit a {type(data).__module__}.{kind}: pass a CSV or Parquet path, a pyarrow "
        "Table, a pandas or polars DataFrame, or a DuckDB relation"
    )
