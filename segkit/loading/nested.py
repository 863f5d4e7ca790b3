"""Nested JSON as flat columns: objects flattened with dots, a list of objects's first item as ``name[0]``.

Readers (``readers.py``, ``jsonl.py``) name nested fields the way presets list them
(``context.groupId``, ``items[0].price.unit_price.amount``).
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc


def _flatten_keys(obj: dict, prefix: str = "") -> list[str]:
    keys: list[str] = []
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            keys.extend(_flatten_keys(value, f"{name}."))
        else:
            keys.append(name)
            if isinstance(value, list) and value and isinstance(value[0], dict):
                keys.extend(_flatten_keys(value[0], f"{name}[0]."))  # see _first_elements
    return keys


def _flatten_schema(schema: pa.Schema, prefix: str = "") -> list[str]:
    names: list[str] = []
    for fld in schema:
        if pa.types.is_struct(fld.type):
            names.extend(_flatten_schema(pa.schema(list(fld.type)), f"{prefix}{fld.name}."))
        else:
            names.append(f"{prefix}{fld.name}")
    return names


def _is_struct_list(kind: pa.DataType) -> bool:
    return (pa.types.is_list(kind) or pa.types.is_large_list(kind)) and pa.types.is_struct(kind.value_type)


def _first_elements(table: pa.Table) -> pa.Table:
    """Each list-of-objects column's first object as ``name[0]`` (kept beside the list), so a
    single-item list such as Paddle's subscription ``items`` is reachable as ``items[0].price...``."""
    for index, fld in reversed(list(enumerate(table.schema))):
        done = any(name == f"{fld.name}[0]" or name.startswith(f"{fld.name}[0].") for name in table.column_names)
        if not _is_struct_list(fld.type) or done:
            continue
        column = table.column(index)
        filled = pc.fill_null(pc.greater(pc.list_value_length(column), 0), False)
        first = pc.list_element(pc.if_else(filled, column, pa.scalar(None, fld.type)), 0)
        table = table.add_column(index + 1, f"{fld.name}[0]", first)
    return table


def _flatten_table(table: pa.Table) -> pa.Table:
    table = _first_elements(table)
    while any(pa.types.is_struct(f.type) for f in table.schema):
        table = _first_elements(table.flatten())
    return table
