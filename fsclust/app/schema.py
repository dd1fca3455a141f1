"""A small declarative schema checker for YAML specs, with path-aware errors.

A schema is a dict of `Field` objects per section; each field has a *check* that returns the
normalised value or raises `Invalid(path, rule, value)`. `load_spec` turns `Invalid` into a
`SpecError` reading ``FILE: PATH: must be RULE, got VALUE``; a library parameter error
(``The 'param' parameter must be RULE. Got VALUE instead.``, `fsclust._validation.fail`) met
while building the spec is rendered the same way under the spec path, showing the value as
`fsclust._validation.shown` does for both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml

from fsclust._validation import shown

__all__ = ["Field", "Invalid", "check_section", "load_yaml"]

Check = Callable[[Any, str], Any]


class Invalid(Exception):
    """A value at ``path`` breaks ``rule``; ``detail`` (optional) replaces the shown value, e.g.
    ``"-1.0 for point 'b'"`` for an entry of a data file."""

    def __init__(self, path: str, rule: str, value: Any, *, detail: str | None = None) -> None:
        got = shown(value, detail)
        super().__init__(f"{path or 'top level'}: must be {rule}, got {got}")
        self.path, self.rule, self.value = path, rule, value


@dataclass(frozen=True)
class Field:
    """One key of a section: its check, default and a one-line description (for docs)."""

    check: Check
    default: Any = None
    doc: str = ""


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def integer(minimum: int = 0) -> Check:
    def check(value: Any, path: str) -> int:
        if not _is_int(value) or value < minimum:
            raise Invalid(path, f"an integer >= {minimum}", value)
        return int(value)
    return check


def number(minimum: float = 0.0, *, strict: bool = False, finite: bool = False) -> Check:
    """A number ``>= minimum`` (``> minimum`` when ``strict``); NaN never passes, inf only
    without ``finite``."""
    rule = f"a{' finite' if finite else ''} number {'>' if strict else '>='} {minimum:g}"

    def check(value: Any, path: str) -> float:
        if (not _is_number(value) or not value >= minimum or (strict and value == minimum)
                or (finite and value == float("inf"))):
            raise Invalid(path, rule, value)
        return float(value)
    return check


def text(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value:
        raise Invalid(path, "a non-empty string", value)
    return value


def key(value: Any, path: str) -> str | int:
    """A name (string) or a 0-based index."""
    if isinstance(value, str) and value:
        return value
    if _is_int(value) and value >= 0:
        return int(value)
    raise Invalid(path, "a name (string) or an index >= 0", value)


def one_of(*choices: str) -> Check:
    def check(value: Any, path: str) -> str:
        if value not in choices:
            raise Invalid(path, "one of " + ", ".join(map(repr, choices)), value)
        return value
    return check


def list_of(item: Check, *, min_len: int = 1) -> Check:
    def check(value: Any, path: str) -> list[Any]:
        if not isinstance(value, list) or len(value) < min_len:
            raise Invalid(path, f"a list of at least {min_len} item(s)", value)
        return [item(v, f"{path}[{i}]") for i, v in enumerate(value)]
    return check


def scalar_or_list(item: Check) -> Check:
    """One value for every cluster, or a list with one value per cluster."""
    many = list_of(item)

    def check(value: Any, path: str) -> Any:
        return many(value, path) if isinstance(value, list) else item(value, path)
    return check


def check_section(raw: Any, fields: dict[str, Field], path: str) -> dict[str, Any]:
    """Check a mapping against ``fields``: unknown keys are rejected, defaults filled in."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise Invalid(path, "a mapping of keys to values", raw)
    for name in raw:
        if name not in fields:
            where = f"{path}.{name}" if path else str(name)
            raise Invalid(where, "a known key (one of " + ", ".join(fields) + ")", name)
    out = {}
    for name, field in fields.items():
        value = raw.get(name)
        where = f"{path}.{name}" if path else name
        out[name] = field.default if value is None else field.check(value, where)
    return out


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate keys instead of keeping the last one."""


def _mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        name = loader.construct_object(key_node, deep=deep)
        if name in seen:
            mark = key_node.start_mark
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {name!r}", mark)
        seen.add(name)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def load_yaml(text: str) -> Any:
    """Parse YAML; raise ``ValueError("line L, column C: problem")`` on syntax errors."""
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ValueError(f"{where}invalid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise ValueError(f"invalid YAML: {exc}") from None
