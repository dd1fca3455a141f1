"""Generate docs/api.md, the API reference, from the docstrings of every name in `fsclust.__all__`.

Usage::

    python docs/make_api.py            # rewrite docs/api.md
    python docs/make_api.py --check    # exit 1 when docs/api.md is stale or a docstring lacks sections

The test suite runs the check (tests/test_docs.py), so the reference never drifts from the code.
"""

from __future__ import annotations

import argparse
import inspect
import itertools
import sys
from pathlib import Path

import fsclust

TARGET = Path(__file__).with_name("api.md")
SECTIONS = ("Parameters", "Returns", "Attributes", "Raises", "Examples", "Yields", "Notes")


def sections(doc: str) -> set[str]:
    """The numpydoc section titles of ``doc`` (a title line followed by a line of dashes)."""
    lines = [line.strip() for line in doc.splitlines()]
    return {title for title, rule in itertools.pairwise(lines)
            if title in SECTIONS and rule and set(rule) == {"-"}}


def _kind(obj: object) -> str:
    if inspect.isclass(obj):
        return "class"
    return "function" if callable(obj) else "data"


def _signature(name: str, obj: object) -> str:
    try:
        return f"{name}{inspect.signature(obj)}"
    except (TypeError, ValueError):
        return name


def _entry(name: str, obj: object) -> str:
    doc = inspect.getdoc(obj) or ""
    kind = _kind(obj)
    head = f"### `fsclust.{name}`\n\n*{kind}* — defined in `{getattr(obj, '__module__', 'fsclust')}`\n"
    if kind == "data":
        shown = f"dict with keys {list(obj)}" if isinstance(obj, dict) else repr(obj)
        return head + f"\n```text\n{name}: {type(obj).__name__}, {shown}\n```\n"
    return head + f"\n```text\n{_signature(name, obj)}\n```\n\n```text\n{doc}\n```\n"


def missing_sections() -> list[str]:
    """Public names whose docstring lacks a required numpydoc section: functions need
    Parameters (when they take any) and Returns; classes need Parameters or Attributes."""
    missing = []
    for name in fsclust.__all__:
        obj = getattr(fsclust, name)
        kind = _kind(obj)
        if kind == "data" or (kind == "class" and issubclass(obj, (BaseException, Warning))):
            continue                        # exceptions take their message only
        found = sections(inspect.getdoc(obj) or "")
        if kind == "class":
            need = [] if found & {"Parameters", "Attributes"} else ["Parameters or Attributes"]
        else:
            takes = bool(inspect.signature(obj).parameters)
            need = [s for s in ("Parameters", "Returns") if s not in found and (s != "Parameters" or takes)]
        missing += [f"{name}: {section}" for section in need]
    return missing


def render() -> str:
    """The whole reference as Markdown."""
    names = sorted((n for n in fsclust.__all__ if n != "__version__"), key=str.lower)
    parts = ["# API reference\n",
             "Generated from the docstrings by `python docs/make_api.py`; do not edit by hand.",
             "Every name below is importable as `fsclust.NAME`.\n"]
    parts += [f"- [`{n}`](#fsclust{n.lower()})" for n in names]
    parts.append("")
    parts += [_entry(n, getattr(fsclust, n)) for n in names]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when docs/api.md is stale")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        missing = missing_sections()
        if missing:
            print("docstrings lack numpydoc sections: " + "; ".join(missing), file=sys.stderr)
            return 1
        if not TARGET.exists() or TARGET.read_text() != text:
            print("docs/api.md is out of date: run python docs/make_api.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
