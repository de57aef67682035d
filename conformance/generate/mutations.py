"""The mutation vocabulary of the fixture case tables: each change of a case is one word applied to one
file of a copy of the valid export (`VERBS`), and records what it touched for the findings derivation.

Nothing here names an operation, a table or an item: they all come from the case table.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from conformance.generate import transforms
from conformance.generate.findings import Touch

__all__ = ["VERBS", "CaseError", "CsvFile", "Export", "mutate"]


class CaseError(Exception):
    """A case table that cannot be built (unknown word, a selector matching nothing, a no-op change)."""


# ---------------------------------------------------------------------------------------------------------
# The export being mutated


@dataclass(eq=False)
class CsvFile:
    """One CSV file of the export: header and records as lists, how it is written, what changed."""

    name: str
    source: bytes
    header: list[str]
    rows: list[list[str]]
    originals: list[list[str]] = field(default_factory=list)  # the valid export's records, for selectors
    snapshot: list[list[str]] = field(default_factory=list)  # their values before any change, for `where`
    encoding: str = "utf-8"
    line_end: str = "\n"
    changed: bool = False
    inserted_after: dict[int, int] = field(default_factory=dict)

    @classmethod
    def parse(cls, name: str, data: bytes) -> CsvFile:
        """The file as the valid export holds it (UTF-8, LF, RFC 4180)."""
        records = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
        rows = records[1:]
        return cls(name, data, records[0] if records else [], rows, list(rows), [list(row) for row in rows])

    def render(self) -> bytes:
        """The bytes: unchanged files as they were, others rendered with minimal quoting."""
        if not self.changed:
            return self.source
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator=self.line_end)
        writer.writerow(self.header)
        writer.writerows(self.rows)
        return buffer.getvalue().encode(self.encoding)

    def original(self, record: int) -> list[str]:
        """Record `record` (from 1) of the valid export."""
        if not 1 <= record <= len(self.originals):
            raise CaseError(f"{self.name}: no record {record} (the valid export has {len(self.originals)})")
        return self.originals[record - 1]

    def position(self, row: list[str]) -> int:
        """Where a record of the valid export is now (index into rows)."""
        for index, candidate in enumerate(self.rows):
            if candidate is row:
                return index
        raise CaseError(f"{self.name}: the record was deleted by an earlier change")

    def insert(self, row: list[str], after: int | None) -> None:
        """Insert a record after record `after` of the valid export (0: first; None: last), after the
        records inserted there before it."""
        if after is None:
            self.rows.append(row)
            return
        start = 0 if int(after) == 0 else self.position(self.original(int(after))) + 1
        offset = self.inserted_after.get(int(after), 0)
        self.rows.insert(start + offset, row)
        self.inserted_after[int(after)] = offset + 1

    def line_of(self, position: int) -> int:
        """The line (from 1) record `position` (index into rows) starts on, once rendered."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(self.header)
        writer.writerows(self.rows[:position])
        return buffer.getvalue().count("\n") + 1

    def column(self, item: str) -> int:
        """The position of `item` in the header."""
        if item not in self.header:
            raise CaseError(f"{self.name}: no column {item!r}")
        return self.header.index(item)

    def select(self, step: Mapping[str, Any]) -> list[str]:
        """The record a step names: `record: N` (of the valid export) or `where: {item: value}` (one match among
        the valid export's values)."""
        if "record" in step:
            return self.original(int(step["record"]))
        if "where" in step:
            where: dict[str, str] = step["where"]
            found = [row for row, values in zip(self.originals, self.snapshot, strict=True)
                     if all(values[self.column(item)] == str(value) for item, value in where.items())]
            if len(found) != 1:
                raise CaseError(f"{self.name}: where {where} matches {len(found)} records, not one")
            return found[0]
        raise CaseError(f"{self.name}: {sorted(step)} needs `record` or `where`")


@dataclass
class Export:
    """The files of one case, keyed by file name, and what the changes touched."""

    files: dict[str, CsvFile | bytes]
    touched: list[Touch] = field(default_factory=list)
    changed_rows: list[tuple[CsvFile, list[str], str | None]] = field(default_factory=list)

    def csv(self, name: str) -> CsvFile:
        """The CSV file `name`, parsed on first use."""
        current = self.files.get(name)
        if current is None:
            raise CaseError(f"no file {name!r} in the valid export")
        if isinstance(current, bytes):
            current = self.files[name] = CsvFile.parse(name, current)
        return current

    def render(self) -> dict[str, bytes]:
        """File name -> bytes."""
        return {name: data if isinstance(data, bytes) else data.render() for name, data in self.files.items()}


# ---------------------------------------------------------------------------------------------------------
# The vocabulary: one function per word. Each gets the export, the file's name and the step.


def _set_values(file: CsvFile, row: list[str], values: Mapping[str, Any]) -> None:
    for item, value in values.items():
        row[file.column(item)] = str(value)


def _set(export: Export, name: str, step: Mapping[str, Any]) -> None:
    """`set: {item: value}`: literal values in one record."""
    file = export.csv(name)
    row = file.select(step)
    before = list(row)
    _set_values(file, row, step["set"])
    if row == before:
        raise CaseError(f"{name}: set {step['set']} changes nothing")
    for item in step["set"]:
        export.changed_rows.append((file, row, item))


def _transform(export: Export, name: str, step: Mapping[str, Any]) -> None:
    """`transform: NAME, item: I` (`with: {argument: value}`, `of: item` for the value of another item);
    `records: all` in place of a selector: every record with a value of the item."""
    file = export.csv(name)
    index = file.column(step["item"])
    if step.get("records") == "all":
        rows = [row for row in file.originals if row[index] != ""]
        if not rows:
            raise CaseError(f"{name}: no record has a value of {step['item']}")
    else:
        rows = [file.select(step)]
    for row in rows:
        arguments = dict(step.get("with") or {})
        if "of" in step:
            arguments["of"] = row[file.column(step["of"])]
        try:
            new = transforms.apply(step["transform"], row[index], arguments)
        except transforms.TransformError as error:
            raise CaseError(f"{name}: {error}") from None
        if new == row[index]:
            raise CaseError(f"{name}: {step['transform']} of {step['item']} changes nothing")
        row[index] = new
        export.changed_rows.append((file, row, step["item"]))


def _drop_column(export: Export, name: str, step: Mapping[str, Any]) -> None:
    """`drop-column: item`: left out of the header and every record."""
    file = export.csv(name)
    index = file.column(step["drop-column"])
    del file.header[index]
    for row in file.rows:
        del row[index]
    export.touched.append(Touch("drop-column", name, item=step["drop-column"]))


def _add_column(export: Export, name: str, step: Mapping[str, Any]) -> None:
    """`add-column: item`, `values: "K{n:05d}"` (numbered from 1) or a list, `at`: position (default last)."""
    file = export.csv(name)
    item = step["add-column"]
    values = step.get("values", "")
    at = int(step.get("at", len(file.header)))
    file.header.insert(at, item)
    for number, row in enumerate(file.rows, start=1):
        row.insert(at, str(values[number - 1]) if isinstance(values, list) else str(values).format(n=number))
    export.touched.append(Touch("add-column", name, item=item))


def _rename_column(export: Export, name: str, step: Mapping[str, Any]) -> None:
    """`rename-column: {old: new}`: the header names an item differently, the values stay."""
    file = export.csv(name)
    for old, new in step["rename-column"].items():
        file.header[file.column(old)] = new
        export.touched.append(Touch("drop-column", name, item=old))
        export.touched.append(Touch("add-column", name, item=new))


def _insert_record(export: Export, name: str, step: Mapping[str, Any]) -> None:
    """`insert-record: {copy: M, set: {...}}` or `{values: [...]}`, `after: N` (0: first; default last)."""
    file = export.csv(name)
    spec = step["insert-record"] or {}
    if "values" in spec:
        row = [str(value) for value in spec["values"]]
    else:
        row = list(file.rows[file.position(file.original(int(spec["copy"])))])
        _set_values(file, row, spec.get("set") or {})
    file.insert(row, step.get("after"))
    export.changed_rows.append((file, row, None))


def _delete_record(export: Export, name: str, step: Mapping[str, Any]) -> None:
    """`delete-record: true` with a selector."""
    file = export.csv(name)
    row = file.select(step)
    index = file.position(row)
    del file.rows[index]
    export.touched.append(Touch("delete-record", name, record=index + 1))


def _extra_field(export: Export, name: str, step: Mapping[str, Any]) -> None:
    """`extra-field: true` with a selector: the record's line ends with one field too many."""
    file = export.csv(name)
    row = file.select(step)
    row.append("")
    export.changed_rows.append((file, row, "extra-field"))


def _blank_line(export: Export, name: str, step: Mapping[str, Any]) -> None:
    """`blank-line: N`: an empty line after record N of the valid export."""
    file = export.csv(name)
    row: list[str] = []
    file.insert(row, step["blank-line"])
    export.changed_rows.append((file, row, "blank-line"))


def _encode(export: Export, name: str, step: Mapping[str, Any]) -> None:
    """`encode: cp932`: the file written in another encoding."""
    export.csv(name).encoding = step["encode"]
    export.touched.append(Touch("encode", name))


def _line_ends(export: Export, name: str, step: Mapping[str, Any]) -> None:
    """`line-ends: crlf`."""
    export.csv(name).line_end = {"crlf": "\r\n", "lf": "\n", "cr": "\r"}[step["line-ends"]]
    export.touched.append(Touch("line-ends", name))


def _rename_file(export: Export, name: str, step: Mapping[str, Any]) -> None:
    """`rename-file: new name`: the table exported under another name."""
    new = step["rename-file"]
    export.files = {new if key == name else key: value for key, value in export.files.items()}
    export.touched.append(Touch("remove-file", name))


def _remove_file(export: Export, name: str, step: Mapping[str, Any]) -> None:
    """`remove-file: true`."""
    del export.files[name]
    export.touched.append(Touch("remove-file", name))


VERBS: dict[str, Callable[[Export, str, Mapping[str, Any]], None]] = {
    "set": _set,
    "transform": _transform,
    "drop-column": _drop_column,
    "add-column": _add_column,
    "rename-column": _rename_column,
    "insert-record": _insert_record,
    "delete-record": _delete_record,
    "extra-field": _extra_field,
    "blank-line": _blank_line,
    "encode": _encode,
    "line-ends": _line_ends,
    "rename-file": _rename_file,
    "remove-file": _remove_file,
}
"""Each change of a case is one of these words, with `file:` and the word's own keys."""

ROW_TOUCHES = {None: "record", "extra-field": "extra-field", "blank-line": "blank-line"}


def mutate(valid: Mapping[str, bytes], changes: Iterable[Mapping[str, Any]]) -> Export:
    """A copy of the valid export with the changes applied, in order."""
    export = Export(dict(valid))
    for step in changes:
        verbs = [verb for verb in step if verb in VERBS]
        if len(verbs) != 1 or "file" not in step:
            raise CaseError(f"a change needs `file` and exactly one of {', '.join(VERBS)}: {dict(step)}")
        name = step["file"]
        if name not in export.files:
            raise CaseError(f"no file {name!r} in the export")
        if isinstance(export.files[name], bytes) and verbs[0] not in ("rename-file", "remove-file"):
            export.csv(name)
        current = export.files[name]
        VERBS[verbs[0]](export, name, step)
        if isinstance(current, CsvFile) and verbs[0] not in ("rename-file", "remove-file"):
            current.changed = True
    # Record and line numbers are taken once every change is made (an inserted record moves those after it).
    for file, row, item in export.changed_rows:
        position = file.position(row)
        kind = ROW_TOUCHES.get(item, "record")
        line = file.line_of(position)
        export.touched.append(Touch(
            kind, file.name, record=position + 1 if kind != "blank-line" else None,
            item=item if kind == "record" else None, line=line,
            values=dict(zip(file.header, row, strict=False)),
        ))
        if kind == "record" and item is None and len(row) != len(file.header):  # an inserted record's own fields
            export.touched.append(Touch("extra-field", file.name, line=line))
    export.touched = [_first_line(export, touch) if touch.kind in ("encode", "drop-column", "add-column") else touch
                      for touch in export.touched]
    return export


def _first_line(export: Export, touch: Touch) -> Touch:
    """A header change is on line 1; an encoding change on the first line it changes the bytes of."""
    if touch.kind != "encode":
        return replace(touch, line=1)
    file = export.csv(touch.file)
    lines = file.render().decode(file.encoding).split("\n")
    changed = next(number for number, text in enumerate(lines, start=1) if text.encode(file.encoding) != text.encode())
    return replace(touch, line=changed)
    return export
