"""Compares what an engine read with what Armillaria read: rows in key order, column by column,
after casting the engine's column to the expected type (engines widen units and change string
layouts; values must survive the cast exactly)."""
import pyarrow as pa
import pyarrow.compute as pc


def plain(column: pa.ChunkedArray) -> pa.ChunkedArray:
    return column.cast(column.type.value_type) if pa.types.is_dictionary(column.type) else column


def values(column: pa.ChunkedArray) -> list:
    """Python values, with NaN made comparable (NaN != NaN)."""
    return [("NaN" if isinstance(x, float) and x != x else x) for x in column.to_pylist()]


def compare(expected: pa.Table, actual: pa.Table, key: str) -> str:
    if expected.num_rows != actual.num_rows:
        return f"{actual.num_rows} rows, expected {expected.num_rows}"
    if sorted(actual.column_names) != sorted(expected.column_names):
        return f"columns {actual.column_names}, expected {expected.column_names}"
    expected = expected.take(pc.sort_indices(expected, [(key, "ascending")]))
    actual = actual.take(pc.sort_indices(actual, [(key, "ascending")]))
    for name in expected.column_names:
        want = plain(expected.column(name))
        got = plain(actual.column(name))
        try:
            got = got.cast(want.type)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as e:
            return f"column {name}: {got.type} does not cast to {want.type}: {e}"
        if values(got) != values(want):
            return f"column {name}: {values(got)[:5]} ..., expected {values(want)[:5]} ..."
    return "ok"
