"""A minimal instance of a JSON schema, used as the default input a Converse tool call returns."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _resolve_ref(ref: str, root: dict[str, Any]) -> dict[str, Any]:
    """Follow a local JSON pointer ``#/...`` inside the root schema."""
    node: Any = root
    for part in ref.removeprefix("#").strip("/").split("/"):
        if not part:
            continue
        node = node.get(part.replace("~1", "/").replace("~0", "~"), {}) if isinstance(node, dict) else {}
    return node if isinstance(node, dict) else {}


def _numeric_example(schema: dict[str, Any], *, integer: bool) -> float:
    """Minimum, or 0, or the midpoint when both bounds are given."""
    low: float | None = schema.get("minimum")
    high: float | None = schema.get("maximum")
    if isinstance(schema.get("exclusiveMinimum"), int | float):
        low = float(schema["exclusiveMinimum"]) + (1 if integer else 0.001)
    if isinstance(schema.get("exclusiveMaximum"), int | float):
        high = float(schema["exclusiveMaximum"]) - (1 if integer else 0.001)
    if low is not None and high is not None:
        return (low + high) // 2 if integer else (low + high) / 2
    if low is not None:
        return low
    if high is not None and high < 0:
        return high
    return 0


def _effective_schema(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    """Follow $ref and pick the first non-null anyOf/oneOf/allOf branch until a concrete schema remains."""
    for _ in range(64):
        if isinstance(schema.get("$ref"), str):
            schema = _resolve_ref(schema["$ref"], root)
            continue
        branches = [
            option
            for combinator in ("anyOf", "oneOf", "allOf")
            for option in schema.get(combinator) or []
            if isinstance(option, dict) and option.get("type") != "null"
        ]
        if not branches:
            break
        schema = branches[0]
    return schema


def _schema_type(schema: dict[str, Any]) -> str:
    """The JSON type a schema describes (first non-null of a type list; inferred when absent)."""
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if isinstance(kind, str):
        return kind
    return "object" if "properties" in schema else "array" if "items" in schema else "string"


def _string_example(schema: dict[str, Any], name: str, root: dict[str, Any]) -> str:
    """'emulated <name>', stretched or cut to the schema's length bounds."""
    text = f"emulated {name}".ljust(int(schema.get("minLength", 0)), "x")
    return text[: int(schema["maxLength"])] if "maxLength" in schema else text


def _object_example(schema: dict[str, Any], name: str, root: dict[str, Any]) -> dict[str, Any]:
    """Required properties only."""
    props = schema.get("properties") or {}
    return {p: example_from_schema(props.get(p, {}), p, root) for p in schema.get("required") or []}


def _array_example(schema: dict[str, Any], name: str, root: dict[str, Any]) -> list[Any]:
    """As few items as minItems allows (usually none)."""
    count = int(schema.get("minItems", 0))
    return [example_from_schema(schema.get("items", {}), name, root) for _ in range(count)]


_EXAMPLES: dict[str, Callable[[dict[str, Any], str, dict[str, Any]], Any]] = {
    "object": _object_example,
    "array": _array_example,
    "string": _string_example,
    "boolean": lambda schema, name, root: True,
    "integer": lambda schema, name, root: int(_numeric_example(schema, integer=True)),
    "number": lambda schema, name, root: _numeric_example(schema, integer=False),
    "null": lambda schema, name, root: None,
}


def example_from_schema(schema: Any, name: str = "value", root: dict[str, Any] | None = None) -> Any:
    """A minimal instance of a JSON schema: required properties only, deterministic values."""
    if not isinstance(schema, dict):
        return None
    root = schema if root is None else root
    schema = _effective_schema(schema, root)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    build = _EXAMPLES.get(_schema_type(schema)) or _string_example
    return build(schema, name, root)
