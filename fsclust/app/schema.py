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
from pathlib import Path
from typing import Any

import yaml

from fsclust._validation import shown

__all__ = ["MAX_DEPTH", "MAX_SPEC_BYTES", "MAX_VALUES", "Field", "Invalid", "check_section",
           "load_yaml", "read_spec_text"]

MAX_SPEC_BYTES = 1 << 20
"""Largest spec file read (1 MiB): specs are short; data belong in data files."""
MAX_DEPTH = 64
"""Deepest nesting of YAML lists and mappings."""
MAX_VALUES = 100_000
"""Most YAML values a spec may hold, counting every use of an alias as the values it names."""

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


def integer(minimum: int = 0, maximum: int | None = None) -> Check:
    """An integer ``>= minimum`` (and ``<= maximum`` when given)."""
    def check(value: Any, path: str) -> int:
        if not _is_int(value) or value < minimum:
            raise Invalid(path, f"an integer >= {minimum}", value)
        if maximum is not None and value > maximum:
            raise Invalid(path, f"an integer in [{minimum}, {maximum:_}]", value)
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
    """SafeLoader that rejects duplicate keys instead of keeping the last one, and bounds the
    nesting depth (`MAX_DEPTH`) and the values after alias expansion (`MAX_VALUES`), so an
    alias bomb or thousands of nested brackets fail fast with a one-line error."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    None, None, f"nesting deeper than {MAX_DEPTH} levels", self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def get_single_node(self) -> Any:
        node = super().get_single_node()
        if node is not None:
            _count_values(node, {}, set())
        return node


def _count_values(node: yaml.Node, counted: dict[int, int], open_nodes: set[int]) -> int:
    """Values under ``node`` with every alias expanded; raises past `MAX_VALUES` or on a
    recursive alias (a node containing itself)."""
    key = id(node)
    if key in counted:
        return counted[key]
    if key in open_nodes:
        raise yaml.composer.ComposerError(None, None, "a recursive alias (a value containing "
                                          "itself)", node.start_mark)
    open_nodes.add(key)
    total = 1
    if isinstance(node, yaml.SequenceNode | yaml.MappingNode):
        children = node.value if isinstance(node, yaml.SequenceNode) else [
            part for pair in node.value for part in pair]
        for child in children:
            total += _count_values(child, counted, open_nodes)
            if total > MAX_VALUES:
                raise yaml.composer.ComposerError(
                    None, None, f"more than {MAX_VALUES} values once aliases are expanded",
                    node.start_mark)
    open_nodes.discard(key)
    counted[key] = total
    return total


def _mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        name = loader.construct_object(key_node, deep=deep)
        try:
            duplicate = name in seen
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, f"a key must be a plain value, not {type(name).__name__}",
                key_node.start_mark) from None
        if duplicate:
            mark = key_node.start_mark
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {name!r}", mark)
        seen.add(name)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def read_spec_text(path: Path) -> str:
    """The spec file's text, read up to `MAX_SPEC_BYTES`; raise ``ValueError`` beyond that or
    for text that is not UTF-8 (``OSError`` when it cannot be read)."""
    with open(path, "rb") as stream:
        data = stream.read(MAX_SPEC_BYTES + 1)
    if len(data) > MAX_SPEC_BYTES:
        raise ValueError(f"the spec is larger than {MAX_SPEC_BYTES} bytes (data belong in data "
                         "files)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"the spec is not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def load_yaml(text: str) -> Any:
    """Parse YAML; raise ``ValueError("line L, column C: problem")`` on syntax errors and on
    documents past the size limits (`MAX_DEPTH`, `MAX_VALUES`)."""
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ValueError(f"{where}invalid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise ValueError(f"invalid YAML: {shown(str(exc))}") from None
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:   # e.g. a 5000-digit int
        raise ValueError(f"invalid YAML: {type(exc).__name__}: {str(exc)[:200]}") from None
