"""`conformance compare OLD NEW --spec OP`: did the migration lose records, values or people? (issue 22)

Both exports are read as a run reads them (the same readers, the DuckDB fast path for plain files, a
--mapping per side applied at the load stage) into ONE database, OLD's tables under the schema
`raw.old`, NEW's under `raw.new`; every comparison is then a join on the table's key in DuckDB:
records only in OLD (lost), only in NEW (appeared), and for records in both, per item, values that
differ, were lost (empty in NEW, not in OLD) or added. The categories an officer counts come from
`specs/<op>/compare.yaml`. Totals are exact; examples are capped and masked as a run masks values.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from conformance import __version__
from conformance import spec as spec_store
from conformance.checks.database import Database, quote, raw_name
from conformance.checks.loaded import LoadedTable
from conformance.pipeline.compare_scan import CompactDatabase, Plan, fingerprint
from conformance.pipeline.discover import discover
from conformance.pipeline.load import load_tables
from conformance.pipeline.mapping import ExportMapping, MappingError
from conformance.pipeline.options import now, workspace
from conformance.readers import InputLimits, open_target
from conformance.results.compare import CompareResult, CountRow, Example, ItemDifference, TableComparison
from conformance.results.masking import shown_part, shown_value
from conformance.spec.compare import CountSpec, code_labels, load_counts
from conformance.spec.model import Spec, Table

SIDES = ("old", "new")


@dataclass(frozen=True, slots=True)
class CompareOptions:
    """How to compare: mappings per side, keys per table, tolerated differences, examples kept."""

    mapping_old: ExportMapping | None = None
    mapping_new: ExportMapping | None = None
    # Table name (or "" for every table holding the items) -> the key items.
    keys: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    ignore: tuple[str, ...] = ()
    allow_added: bool = False
    max_examples: int = 20
    show_values: bool = False
    memory_limit: str | None = None
    temp_dir: Path | None = None
    limits: InputLimits = field(default_factory=InputLimits)


@dataclass(frozen=True, slots=True)
class _Side:
    path: str
    loaded: dict[str, LoadedTable]
    files: dict[str, str]
    notes: dict[str, str]


def _check_options(spec: Spec, options: CompareOptions) -> None:
    """Keys and ignored items name items of the spec (MappingError, exit 2, otherwise)."""
    items = {item.name for table in spec.tables for item in table.items}
    for table_name, key in options.keys.items():
        table = spec.table(table_name) if table_name else None
        if table_name and table is None:
            raise MappingError(f"--key {table_name}: {spec.id}の表ではありません（{'・'.join(t.name for t in spec.tables)}）")
        unknown = [item for item in key if (table.item(item) is None if table is not None else item not in items)]
        if unknown:
            raise MappingError(f"--key: 「{'、'.join(unknown)}」は{table_name or spec.id}の項目ではありません")
    unknown = [item for item in options.ignore if item not in items]
    if unknown:
        raise MappingError(f"--ignore: 「{'、'.join(unknown)}」は{spec.id}の項目ではありません")


def _key(table: Table, options: CompareOptions) -> tuple[str, ...]:
    if table.name in options.keys:
        return options.keys[table.name]
    general = options.keys.get("")
    if general and all(table.item(item) is not None for item in general):
        return general
    return table.primary_key


def _load_side(side: str, path: Path, spec: Spec, mapping: ExportMapping | None, database: Database,
               folder: Path, options: CompareOptions, stop: threading.Event | None = None) -> _Side:
    if mapping is not None and mapping.operation != spec.id:
        raise MappingError(f"{mapping.path}: 対応付けの業務 {mapping.operation} が --spec {spec.id} と異なります")
    read_spec = mapping.spec(spec) if mapping is not None else spec
    loaded: dict[str, LoadedTable] = {}
    files: dict[str, str] = {}
    notes: dict[str, str] = {}
    # A compare records no file's SHA-256: the files are not hashed (a run hashes them).
    with open_target(path, options.limits, folder / f"zip-{side}", digests=False) as target:
        discovery = discover(target, [read_spec])
        chosen = [(_as_text(table, side), discovery.of(spec.id, table.name)[0])
                  for table in read_spec.tables if discovery.of(spec.id, table.name)]
        # The next tables' files are scanned in threads while DuckDB stores the current one, as in a run.
        for load in load_tables(chosen, database, options.limits, lambda _table: None, target.workbooks, mapping):
            if stop is not None and stop.is_set():
                break
            if load.loaded is not None:
                loaded[load.table.name] = load.loaded
                files[load.table.name] = load.source.display
            problems = len([issue for issue in load.issues if issue.aspect in ("encoding", "syntax")])
            if load.rejected or problems or load.loaded is None:
                notes[load.table.name] = (f"{side.upper()}の{load.source.display}: 読めないレコード {load.rejected}件・"
                                          f"ファイルの問題 {problems}件{'（読み込めませんでした）' if load.loaded is None else ''}。"
                                          "conformance run で確認してください")
    return _Side(str(path), loaded, files, notes)


def _load_sides(old: Path, new: Path, spec: Spec, database: Database, folder: Path, options: CompareOptions) -> dict[str, _Side]:
    """Both exports loaded at once: NEW in a thread over a cursor of its own (`Database.branch`), OLD here.

    One side's plain-file proofs, Python parsing and DuckDB's serial steps fill the cores while the other
    side's load waits on them (measured: see the README's compare paragraph). An error of OLD is raised
    first, as when the sides were loaded in turn; NEW's load is interrupted then, not left running."""
    branch, stop = database.branch(), threading.Event()
    outcome: dict[str, Any] = {}

    def load_new() -> None:
        try:
            outcome["side"] = _load_side("new", new, spec, options.mapping_new, branch, folder, options, stop)
        except BaseException as error:  # handed to the caller's thread
            outcome["error"] = error

    # A daemon thread: Ctrl-C is answered at once (exit 130), not after NEW's load ended.
    worker = threading.Thread(target=load_new, name="compare-new", daemon=True)
    worker.start()
    try:
        first = _load_side("old", old, spec, options.mapping_old, database, folder, options)
        worker.join()
    except BaseException as error:  # NEW stops after the query it is in, which is interrupted
        stop.set()
        branch.connection.interrupt()
        if isinstance(error, KeyboardInterrupt):
            raise
        worker.join()
        database.join(branch)
        raise
    database.join(branch)
    if "error" in outcome:
        raise outcome["error"]
    second: _Side = outcome["side"]
    return {"old": first, "new": second}


def _as_text(table: Table, side: str) -> Table:
    """The table as one side stores it: under the side's schema (`raw.old`), every item as text only
    (a comparison reads values as written; the typed values a run's rules need would double the load)."""
    items = tuple(replace(item, sql_type="VARCHAR", format=None) for item in table.items)
    return replace(table, operation=side, items=items)


def _column(alias: str, item: str, present: frozenset[str]) -> str:
    return f"{alias}.{quote(item)}" if item in present else "CAST(NULL AS VARCHAR)"


class _TableCompare:
    """The SQL of one table's comparison."""

    def __init__(self, database: Database, table: Table, key: tuple[str, ...], old: LoadedTable, new: LoadedTable,
                 options: CompareOptions) -> None:
        self.database, self.con = database, database.connection
        self.table, self.key, self.options = table, key, options
        self.old, self.new = old, new
        self.old_name, self.new_name = raw_name(old.table), raw_name(new.table)
        self.on = " AND ".join(f"o.{quote(item)} = n.{quote(item)}" for item in key)
        present = old.present | new.present
        self.items = [item.name for item in table.items if item.name in present and item.name not in key
                      and item.name not in options.ignore]

    def _one(self, query: str) -> int:
        row = self.con.execute(query).fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def _key_text(self, values: Sequence[Any]) -> str:
        parts = []
        for item, value in zip(self.key, values, strict=True):
            personal = self.table.item(item)
            parts.append(f"{item}={shown_part(value, personal.personal if personal else None, self.options.show_values)}")
        return "、".join(parts)

    def _value(self, item: str, value: str | None) -> str | None:
        found = self.table.item(item)
        return shown_value(value, found.personal if found else None, self.options.show_values)

    def compared(self) -> tuple[str, ...]:
        """The items fingerprinted, present or not (NULL when absent): the same on both sides and in the load's plan."""
        return _compared(self.table, self.key, self.options)

    def _fingerprints(self) -> tuple[str, str]:
        """Each side's keys, record number and one 64-bit fingerprint of its compared items, stored once.

        Joining the two sides with every item on board and comparing item by item cost 7.6 s on a
        200,000-resident 住民 (the join carries a hundred text columns per side); fingerprints are one scan
        per side and a join of keys and numbers (2.5 s), and only the records whose fingerprints differ
        are compared item by item. Records whose fingerprints are equal are taken as equal: two different
        records collide with a chance of 2⁻⁶⁴ each (ASSUMPTION, stated in the README)."""
        names = []
        for side, raw, loaded in (("old", self.old_name, self.old), ("new", self.new_name, self.new)):
            name = quote(f"compare#{side}#{self.table.name}")
            # A compactly stored side (`compare_scan`) computed its fingerprint while reading its file.
            if isinstance(self.database, CompactDatabase) and self.database.compact(loaded.table):
                names.append(raw)  # its stored form is what the join needs: not copied
                continue
            values = fingerprint([quote(item) for item in self.compared()])
            keys = ", ".join(quote(item) for item in self.key)
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT {keys}, _record, _line, {values} AS _fingerprint FROM {raw}")
            names.append(name)
        return names[0], names[1]

    def compare(self) -> TableComparison:
        limit = self.options.max_examples
        old, new = self._fingerprints()
        keys = ", ".join(quote(item) for item in self.key)
        duplicates = [self._one(f"SELECT count(*) - count(DISTINCT row({keys})) FROM {name}") for name in (old, new)]
        # One full join of the two sides' fingerprints: every record's fate (lost, appeared, in both, differing).
        matched = quote(f"compare#matched#{self.table.name}")
        key_columns = ", ".join(f"coalesce(o.{quote(item)}, n.{quote(item)}) AS {quote(item)}" for item in self.key)
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {matched} AS SELECT o._record AS _old, o._line AS _old_line, "
                         f"n._record AS _new, n._line AS _new_line, o._fingerprint IS DISTINCT FROM n._fingerprint AS _differs, "
                         f"{key_columns} FROM {old} o FULL JOIN {new} n ON {self.on}")
        row = self.con.execute(f"SELECT count_if(_new IS NULL), count_if(_old IS NULL), count_if(_old IS NOT NULL AND _new IS NOT NULL) "
                               f"FROM {matched}").fetchone() or (0, 0, 0)
        lost, appeared, in_both = (int(value or 0) for value in row)
        examples = [Example("lost", self._key_text(found[1:]), old_line=found[0]) for found in self.con.execute(
            f"SELECT _old_line, {keys} FROM {matched} WHERE _new IS NULL ORDER BY _old LIMIT {limit}").fetchall()]
        examples += [Example("appeared", self._key_text(found[1:]), new_line=found[0]) for found in self.con.execute(
            f"SELECT _new_line, {keys} FROM {matched} WHERE _old IS NULL ORDER BY _new LIMIT {limit}").fetchall()]
        keys_o = ", ".join(f"o.{quote(item)}" for item in self.key)
        candidates = quote(f"compare#differing#{self.table.name}")
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {candidates} AS SELECT _old, _new FROM {matched} "
                         "WHERE _old IS NOT NULL AND _new IS NOT NULL AND _differs")
        pairs = [(_column("o", item, self.old.present), _column("n", item, self.new.present)) for item in self.items]
        # Only the differing records of each side are read (by rowid where DuckDB read the file itself, from
        # the file again by line, both sides at once, where it was stored compactly).
        if isinstance(self.database, CompactDatabase):
            self.database.prefetch(self.old.table, f"SELECT _old FROM {candidates}")
            self.database.prefetch(self.new.table, f"SELECT _new FROM {candidates}")
        old_rows = self.database.text_rows(self.old.table, f"SELECT _old FROM {candidates}")
        new_rows = self.database.text_rows(self.new.table, f"SELECT _new FROM {candidates}")
        joined = f"FROM {candidates} c JOIN {old_rows} o ON o._record = c._old JOIN {new_rows} n ON n._record = c._new"
        # Each item's state in each differing record, stored once as a small number (0 equal, 1 differ,
        # 2 lost, 3 added): the counts are then plain aggregates over it.
        states = quote(f"compare#states#{self.table.name}")
        status = [f"CASE WHEN {o} IS NOT DISTINCT FROM {n} THEN 0 WHEN {n} IS NULL THEN 2 WHEN {o} IS NULL THEN 3 ELSE 1 END "
                  f"AS {quote(item)}" for item, (o, n) in zip(self.items, pairs, strict=True)]
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {states} AS SELECT c._old AS _r{''.join(', ' + s for s in status)} {joined}")
        counted = "(1, 2)" if self.options.allow_added else "(1, 2, 3)"
        aggregates = [f"count_if({quote(item)} = {state})" for item in self.items for state in (1, 2, 3)]
        aggregates.append(f"count_if({' OR '.join(f'{quote(item)} IN {counted}' for item in self.items) or 'FALSE'})")
        row = self.con.execute(f"SELECT {', '.join(aggregates)} FROM {states}").fetchone() or (0,) * len(aggregates)
        items = tuple(ItemDifference(item, int(row[3 * i] or 0), int(row[3 * i + 1] or 0), int(row[3 * i + 2] or 0))
                      for i, item in enumerate(self.items))
        differing_values = sum(d.differ + d.lost + (0 if self.options.allow_added else d.added) for d in items)
        for item, (o, n), difference in zip(self.items, pairs, items, strict=True):
            if not (difference.differ or difference.lost or difference.added) or len(examples) >= 3 * limit:
                continue
            query = (f"SELECT o._line, n._line, {o}, {n}, {keys_o} {joined} WHERE {o} IS DISTINCT FROM {n} "
                     f"ORDER BY o._record LIMIT {limit}")
            for line_o, line_n, value_o, value_n, *key in self.con.execute(query).fetchall():
                kind = "differ" if value_o is not None and value_n is not None else "lost-value" if value_n is None else "added-value"
                examples.append(Example(kind, self._key_text(key), line_o, line_n, item, self._value(item, value_o),  # type: ignore[arg-type]
                                        self._value(item, value_n)))
        for name in (old, new, matched, candidates, states):
            if name not in (self.old_name, self.new_name):
                self.con.execute(f"DROP TABLE {name}")
        return TableComparison(
            self.table.name, self.key, None, None, self.old.records, self.new.records, lost, appeared, in_both,
            int(row[-1] or 0), differing_values, items, tuple(examples[: 3 * limit]), duplicates[0], duplicates[1])


def _compared(table: Table, key: tuple[str, ...], options: CompareOptions) -> tuple[str, ...]:
    return tuple(item.name for item in table.items if item.name not in key and item.name not in options.ignore)


def _plans(spec: Spec, options: CompareOptions) -> dict[str, Plan]:
    """What a plain file of each table is stored as: its key and counted items, and its compared items' fingerprint."""
    counts = load_counts(spec)
    plans = {}
    for table in spec.tables:
        key = _key(table, options)
        counted = [item for count in counts if count.table == table.name for item in (*count.by, *count.per)]
        plans[table.name] = Plan(tuple(dict.fromkeys((*key, *counted))), _compared(table, key, options))
    return plans


def _counts(database: Database, spec: Spec, sides: dict[str, _Side]) -> tuple[CountRow, ...]:
    rows: list[CountRow] = []
    for count in load_counts(spec):
        table = spec.table(count.table)
        assert table is not None  # load_counts checked it
        found: dict[str, dict[str, int]] = {}
        for side, data in sides.items():
            loaded = data.loaded.get(count.table)
            if loaded is None:
                continue
            found[side] = _count(database, loaded, count)
        groups = sorted({group for values in found.values() for group in values},
                        key=lambda group: (int(group.removesuffix("件")), group) if count.per else (0, group))
        labels = code_labels(table, count.by[0]) if len(count.by) == 1 else {}
        rows += [CountRow(count.title, count.table, f"{group}（{labels[group]}）" if group in labels else group,
                          found.get("old", {}).get(group, 0), found.get("new", {}).get(group, 0))
                 for group in groups]
    return tuple(rows)


def _count(database: Database, loaded: LoadedTable, count: CountSpec) -> dict[str, int]:
    name = raw_name(loaded.table)
    if count.per:
        keys = ", ".join(quote(item) for item in count.per)
        query = f"SELECT CAST(n AS VARCHAR) || '件', count(*) FROM (SELECT count(*) AS n FROM {name} GROUP BY {keys}) GROUP BY n"
    elif count.by:
        groups = " || '・' || ".join(f"coalesce({_column('t', item, loaded.present)}, '（空）')" for item in count.by)
        query = f"SELECT {groups} AS g, count(*) FROM {name} t GROUP BY g"
    else:
        query = f"SELECT '全体', count(*) FROM {name}"
    return {str(group): int(number) for group, number in database.connection.execute(query).fetchall()}


def compare(old: str | Path, new: str | Path, operation: str, options: CompareOptions | None = None) -> CompareResult:
    """Compare two exports of one operation (TargetError, SpecError, MappingError: exit 2)."""
    options = options or CompareOptions()
    started = now()
    spec = spec_store.load(operation)
    _check_options(spec, options)
    with workspace(options.temp_dir) as folder:
        database = CompactDatabase(_plans(spec, options), options.memory_limit, folder / "db")
        with contextlib.closing(database):
            sides = _load_sides(Path(old), Path(new), spec, database, folder, options)
            tables = []
            for table in spec.tables:
                old_loaded, new_loaded = sides["old"].loaded.get(table.name), sides["new"].loaded.get(table.name)
                key = _key(table, options)
                if old_loaded is None or new_loaded is None:
                    missing = "・".join(label for label, loaded in (("OLD", old_loaded), ("NEW", new_loaded)) if loaded is None)
                    tables.append(TableComparison(
                        table.name, key, sides["old"].files.get(table.name), sides["new"].files.get(table.name),
                        old_loaded.records if old_loaded else 0, new_loaded.records if new_loaded else 0,
                        lost=old_loaded.records if old_loaded else 0, appeared=new_loaded.records if new_loaded else 0,
                        note=f"{missing}に{table.name}のファイルがないため比較できません"))
                    continue
                compared = _TableCompare(database, table, key, old_loaded, new_loaded, options).compare()
                note = "。".join(sides[side].notes[table.name] for side in SIDES if table.name in sides[side].notes) or None
                tables.append(replace(compared, old_file=sides["old"].files[table.name], new_file=sides["new"].files[table.name],
                                      note=note))
            counts = _counts(database, spec, sides)
    described = {side: {"path": data.path, "files": data.files,
                        **({"mapping": mapping.to_dict()} if mapping is not None else {})}
                 for (side, data), mapping in zip(sides.items(), (options.mapping_old, options.mapping_new), strict=True)}
    return CompareResult(
        __version__, spec.id, spec.version, described["old"], described["new"], started, now(), tuple(tables), counts,
        {"keys": {name: list(key) for name, key in options.keys.items()}, "ignore": list(options.ignore),
         "allow_added": options.allow_added, "max_examples": options.max_examples, "show_values": options.show_values})
