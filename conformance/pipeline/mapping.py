"""`--mapping FILE`: an export laid out otherwise, read as the standard's tables (a reference result only).

A mapping (YAML, `conformance/spec/meta/mapping.schema.json`) says which file holds which table, which
column holds which item, and how a value becomes the standard's: a fixed vocabulary of transforms,
applied in order. Transforms never hide a bad value: a value a transform cannot read is passed on as
it was, and the checks judge it. They run in the load stage: DuckDB runs each transform's SQL twin
when it reads a plain file itself (`MappedTable.direct_read`), else Python transforms the strict parser's
records (held equal by tests/test_migration.py); the file's own line and record numbers are kept,
and each item remembers the column it came from, so findings still point at the original file, line
and column.

    operation: juki
    files:
      住民記録.csv:
        table: 住民
        columns:
          ATENA_NO: 宛名番号                                  # a column renamed
          ZIP: {item: 住所_郵便番号, transforms: [fullwidth-digits]}
          続柄1: {item: 続柄コード1, transforms: [{zero-pad: 2}]}
          SHIMEI: {split: {separator: "　", items: [氏_日本人, 名_日本人]}}
        items:
          氏名: {concat: [SEI, MEI], separator: "　"}        # an item made of several columns
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from conformance import spec as spec_store
from conformance.readers import ParsedTable, RawRecord, ReadIssue
from conformance.spec import Spec
from conformance.spec.model import Table

REFERENCE_LABEL = "対応付けあり（参考結果）"

_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_TRIMMED = " \t\u3000"
# 元号 + 年月日: 昭和45年1月2日, 昭和45.01.02, S45.1.2, H元年5月1日, R2/4/1 (ASCII digits: put
# fullwidth-digits first for full-width ones). The first year of an era is 元 or 1.
_ERAS = {"明治": 1867, "大正": 1911, "昭和": 1925, "平成": 1988, "令和": 2018, "M": 1867, "T": 1911, "S": 1925, "H": 1988, "R": 2018}
_WAREKI = re.compile(r"(明治|大正|昭和|平成|令和|M|T|S|H|R)(元|[0-9]{1,2})年?[./\-]?([0-9]{1,2})月?[./\-]?([0-9]{1,2})日?")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class MappingError(ValueError):
    """A mapping that cannot be used: the message names the file and the entry (exit 2)."""


def wareki_to_iso(value: str) -> str:
    """`昭和45年1月2日` → `1970-01-02`; a value it cannot read (or a year past its era's range) comes back as it was."""
    match = _WAREKI.fullmatch(value)
    if match is None:
        return value
    era, year, month, day = match.groups()
    number = 1 if year == "元" else int(year)
    if number < 1 or not 1 <= int(month) <= 12 or not 1 <= int(day) <= 31:
        return value
    return f"{_ERAS[era] + number:04d}-{int(month):02d}-{int(day):02d}"


@dataclass(frozen=True, slots=True)
class Transform:
    """One step of the vocabulary: fullwidth-digits, trim, wareki, zero-pad N, code-map {old: new}."""

    name: str
    width: int = 0
    codes: Mapping[str, str] = field(default_factory=dict, hash=False)

    def apply(self, value: str) -> str:
        """The value after this step ('' stands for empty)."""
        if self.name == "fullwidth-digits":
            return value.translate(_FULLWIDTH_DIGITS)
        if self.name == "trim":
            return value.strip(_TRIMMED)
        if self.name == "wareki":
            return wareki_to_iso(value)
        if self.name == "zero-pad":
            return value.rjust(self.width, "0") if value.isascii() and value.isdigit() else value
        return self.codes.get(value, value)  # code-map

    def sql(self, value: str, depth: int = 0) -> str:
        """The same step as a DuckDB expression over the text expression `value` (NULL stays NULL).

        The twin of `apply`, used when DuckDB reads a mapped plain file itself; tests/test_migration.py
        holds the two equal on every case of the vocabulary."""
        if self.name == "fullwidth-digits":
            return f"translate({value}, '０１２３４５６７８９', '0123456789')"
        if self.name == "trim":
            return f"trim({value}, {_literal(_TRIMMED)})"
        if self.name == "code-map":
            cases = " ".join(f"WHEN {_literal(old)} THEN {_literal(new)}" for old, new in self.codes.items())
            return f"CASE {value} {cases} ELSE {value} END" if cases else value
        v, w = f"v{depth}", f"w{depth}"  # a lambda binds the value once, however often the step reads it
        if self.name == "zero-pad":
            body = f"CASE WHEN regexp_full_match({v}, '[0-9]+') AND length({v}) < {self.width} THEN lpad({v}, {self.width}, '0') ELSE {v} END"
            return f"list_transform([{value}], lambda {v}: {body})[1]"
        year = f"(CASE WHEN {w}.y = '元' THEN 1 ELSE TRY_CAST({w}.y AS INTEGER) END)"
        month, day = f"TRY_CAST({w}.m AS INTEGER)", f"TRY_CAST({w}.d AS INTEGER)"
        base = "CASE " + " ".join(f"WHEN {w}.e = {_literal(era)} THEN {year_zero}" for era, year_zero in _ERAS.items()) + " END"
        converted = (f"CASE WHEN {w}.e = '' OR {year} < 1 OR {month} NOT BETWEEN 1 AND 12 OR {day} NOT BETWEEN 1 AND 31 THEN {v} "
                     f"ELSE printf('%04d-%02d-%02d', {base} + {year}, {month}, {day}) END")
        extract = f"regexp_extract({v}, {_literal('^' + _WAREKI.pattern + '$')}, ['e', 'y', 'm', 'd'])"
        return f"list_transform([{value}], lambda {v}: list_transform([{extract}], lambda {w}: {converted})[1])[1]"

    def describe(self) -> str:
        """How a report names the step."""
        if self.name == "zero-pad":
            return f"zero-pad {self.width}"
        if self.name == "code-map":
            return "code-map " + ", ".join(f"{old}→{new}" for old, new in self.codes.items())
        return self.name


@dataclass(frozen=True, slots=True)
class ItemSource:
    """Where one item's value comes from: one column, several joined, or one part of a split column."""

    item: str
    columns: tuple[str, ...]
    transforms: tuple[Transform, ...] = ()
    separator: str = ""
    part: int | None = None  # the part of a split column (the last part takes the rest)
    parts: int = 1

    def value(self, values: Mapping[str, str]) -> str:
        """The item's value from a record's non-empty values by column ('' when empty)."""
        if self.part is not None:
            pieces = values.get(self.columns[0], "").split(self.separator, self.parts - 1) if self.separator else []
            text = pieces[self.part] if self.part < len(pieces) else ""
        else:
            text = self.separator.join(values[column] for column in self.columns if values.get(column, "") != "")
        for transform in self.transforms:
            if text == "":
                break
            text = transform.apply(text)
        return text

    def sql(self, columns: Mapping[str, str]) -> str:
        """The item's value as a DuckDB expression over the file's columns (`columns`: name → SQL column)."""
        if self.part is not None:
            whole = f"string_split({columns[self.columns[0]]}, {_literal(self.separator)})"
            text = (f"array_to_string({whole}[{self.part + 1}:], {_literal(self.separator)})" if self.part == self.parts - 1
                    else f"{whole}[{self.part + 1}]")
        elif len(self.columns) > 1:
            text = f"concat_ws({_literal(self.separator)}, {', '.join(columns[c] for c in self.columns)})"
        else:
            text = columns[self.columns[0]]
        text = f"NULLIF({text}, '')"
        for depth, transform in enumerate(self.transforms):
            text = f"NULLIF({transform.sql(text, depth)}, '')"
        return text

    @property
    def column_label(self) -> str:
        """The original column(s), as a finding names them."""
        return "+".join(self.columns)


@dataclass(frozen=True, slots=True)
class TableMapping:
    """One file of the mapped export read as one table."""

    file: str
    table: str
    sources: tuple[ItemSource, ...]

    def columns_of(self, item: str) -> str | None:
        """The original column(s) an item came from, when its name differs."""
        source = next((s for s in self.sources if s.item == item), None)
        return source.column_label if source is not None and source.column_label != item else None

    def apply(self, parsed: ParsedTable, where: str) -> MappedTable:
        """The file's table as the standard's items (MappingError: a column the mapping names is missing)."""
        header = list(parsed.header)
        if parsed.readable:
            missing = sorted({column for source in self.sources for column in source.columns} - set(header))
            if missing:
                raise MappingError(f"{where}: 対応付けの列がファイルにありません: {'、'.join(missing)}")
            mapped = {source.item for source in self.sources}
            used = {column for source in self.sources for column in source.columns}
            clash = sorted(name for name in header if name in mapped and name not in used)
            if clash:
                raise MappingError(f"{where}: 列「{'、'.join(clash)}」と対応付けた列が同じ項目になります（一つの項目に二つの列）")
        return MappedTable(parsed, self)


class MappedTable(ParsedTable):
    """A reader's table with its columns mapped to items; the reader's issues, encoding and counts as they are."""

    def __init__(self, parsed: ParsedTable, mapping: TableMapping) -> None:
        self._parsed = parsed
        self._mapping = mapping
        used = {column for source in mapping.sources for column in source.columns}
        kept = [name for name in parsed.header if name not in used]
        self.header = [source.item for source in mapping.sources] + kept if parsed.readable else []
        self.records = self._mapped(parsed.records, kept)
        self.cells = None
        self.encoding = parsed.encoding
        self.bom = parsed.bom

    def direct_read(self) -> tuple[Any, dict[str, str] | None]:
        """The plain file DuckDB may read itself, and each header name's SQL over its columns (`c0`, `c1` …),
        when the reader proved the file plain; else (None, None) and the records are transformed here."""
        direct = getattr(self._parsed, "direct", None)
        if direct is None:
            return None, None
        positions: dict[str, str] = {}
        for index, name in enumerate(self._parsed.header):
            positions.setdefault(name, f"c{index}")
        expressions = {source.item: source.sql(positions) for source in self._mapping.sources}
        expressions.update({name: positions[name] for name in self.header if name not in expressions})
        return direct, expressions

    def _mapped(self, records: Iterator[RawRecord], kept: Sequence[str]) -> Iterator[RawRecord]:
        for record in records:
            values = {name: record.values[name] for name in kept if name in record.values}
            for source in self._mapping.sources:
                value = source.value(record.values)
                if value != "":
                    values[source.item] = value
            yield RawRecord(record.record, record.line, values)

    @property
    def issues(self) -> list[ReadIssue]:
        """The reader's issues (final once the records were consumed)."""
        return self._parsed.issues

    @issues.setter
    def issues(self, value: list[ReadIssue]) -> None:
        self._parsed.issues = value

    @property
    def rejected(self) -> int:
        """The reader's rejected records."""
        return self._parsed.rejected

    @rejected.setter
    def rejected(self, value: int) -> None:
        self._parsed.rejected = value


@dataclass(frozen=True, slots=True)
class ExportMapping:
    """A whole mapping file: its path and SHA-256 (recorded in the result) and its tables."""

    path: str
    sha256: str
    operation: str
    tables: tuple[TableMapping, ...]

    def for_file(self, names: Sequence[str]) -> TableMapping | None:
        """The mapping of a file known by any of `names` (its path in the target, its name, its stem)."""
        return next((t for t in self.tables if t.file in names), None)

    def spec(self, spec: Spec) -> Spec:
        """The spec with each mapped file's name among its table's file names (discovery finds it)."""
        if spec.id != self.operation:
            return spec
        extra = {t.table: Path(t.file).stem for t in self.tables}
        tables = tuple(replace(table, file_names=(*table.file_names, extra[table.name])) if table.name in extra else table
                       for table in spec.tables)
        return replace(spec, tables=tables)

    def to_dict(self) -> dict[str, Any]:
        """How a result records the mapping."""
        return {"path": self.path, "sha256": self.sha256,
                "files": {t.file: t.table for t in self.tables}}


def _transform(entry: Any) -> Transform:
    if isinstance(entry, str):
        return Transform(entry)
    (name, argument), = entry.items()
    if name == "zero-pad":
        return Transform(name, width=int(argument))
    return Transform(name, codes={str(old): str(new) for old, new in argument.items()})


def _sources(where: str, entry: dict[str, Any], table: Table) -> tuple[ItemSource, ...]:
    sources: list[ItemSource] = []
    for column, target in (entry.get("columns") or {}).items():
        if isinstance(target, str):
            sources.append(ItemSource(target, (column,)))
        elif "split" in target:
            split = target["split"]
            steps = tuple(_transform(t) for t in target.get("transforms", ()))
            items = split["items"]
            sources += [ItemSource(item, (column,), steps, split["separator"], index, len(items)) for index, item in enumerate(items)]
        else:
            sources.append(ItemSource(target["item"], (column,), tuple(_transform(t) for t in target.get("transforms", ()))))
    for item, joined in (entry.get("items") or {}).items():
        sources.append(ItemSource(item, tuple(joined["concat"]), tuple(_transform(t) for t in joined.get("transforms", ())),
                                  joined.get("separator", "")))
    seen: dict[str, str] = {}
    for source in sources:
        if table.item(source.item) is None:
            raise MappingError(f"{where}: 「{source.item}」は{table.name}の項目ではありません（列「{source.column_label}」）")
        if source.item in seen:
            raise MappingError(f"{where}: 列「{seen[source.item]}」と列「{source.column_label}」が同じ項目「{source.item}」に"
                               "対応付けられています（一つの項目には一つの列）")
        seen[source.item] = source.column_label
    return tuple(sources)


def load_mapping(path: Path, operation: str | None = None) -> ExportMapping:
    """Read and check a mapping file against its meta-schema and the spec's items."""
    try:
        data = path.read_bytes()
        document = yaml.safe_load(data.decode("utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise MappingError(f"{path}: 対応付けファイルとして読めません ({error})") from None
    validator = jsonschema.Draft202012Validator(spec_store.meta_schema("mapping"))
    problem = jsonschema.exceptions.best_match(validator.iter_errors(document))
    if problem is not None:
        where = "/".join(str(part) for part in problem.absolute_path) or "(root)"
        raise MappingError(f"{path}: mapping.schema.json に合いません ({where}: {problem.message})")
    op = document.get("operation") or operation
    if op is None:
        raise MappingError(f"{path}: operation（業務）を書くか --spec で指定してください")
    if operation is not None and op != operation:
        raise MappingError(f"{path}: 対応付けの業務 {op} が --spec {operation} と異なります")
    spec = spec_store.load(op)
    tables = []
    for file, entry in document["files"].items():
        table = spec.table(entry["table"])
        if table is None:
            raise MappingError(f"{path}: files/{file}: 「{entry['table']}」は{op}の表ではありません（{'・'.join(t.name for t in spec.tables)}）")
        tables.append(TableMapping(file, table.name, _sources(f"{path}: files/{file}", entry, table)))
    return ExportMapping(str(path), hashlib.sha256(data).hexdigest(), op, tuple(tables))
