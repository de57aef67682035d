"""An export read for the reference server (`conformance serve`): its tables' records, per contract."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from pathlib import Path

from conformance import spec as spec_store
from conformance.api.server import ExportedTable
from conformance.pipeline.discover import resolve_specs
from conformance.pipeline.load import read
from conformance.readers import InputLimits, open_target
from conformance.spec import Spec


def read_export(target: str | Path, specs: Sequence[str | Spec] | None = None) -> list[ExportedTable]:
    """Read an export (file, folder or ZIP): the tables of its specs, and the tables other operations'
    rules read (served too, as a system holding them would)."""
    operations = set(spec_store.available())
    exported = []
    limits = InputLimits()
    with open_target(Path(target)) as opened:
        chosen, discovery = resolve_specs(specs, opened)
        served = {(spec.id, table.name) for spec in chosen for table in spec.tables}
        served |= {reference.key for spec in chosen for requirement in spec.requirements
                   for reference in requirement.check.references if reference.operation in operations}
        for operation in sorted({operation for operation, _ in served}):
            spec = spec_store.load(operation)
            for table in spec.tables:
                sources = discovery.of(operation, table.name) if (operation, table.name) in served else ()
                if not sources:
                    continue
                parsed = read(sources[0], limits)
                records = [dict(record.values) for record in parsed.records] if parsed.readable else []
                modified = datetime.datetime.fromtimestamp(sources[0].file.path.stat().st_mtime, datetime.UTC)
                exported.append(ExportedTable(spec, table, records, modified))
    return exported
