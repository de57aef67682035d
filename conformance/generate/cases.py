"""Broken fixture cases as data: `fixtures/<op>/cases.yaml` -> `fixtures/<op>/invalid/<id>/`.

The valid export (`fixtures/<op>/valid/`, committed files) is the input. The case table names, per
requirement, the one mutation that breaks it, as data: a list of changes, each on one file, each one
word of a fixed vocabulary (`mutations.VERBS`). The builder applies them to a fresh copy of the valid export,
writes every file (unchanged ones byte for byte) and `expected.yaml`: the requirement that must fail and,
derived from the mutation and the spec (`findings.derive`), why: the finding codes and the location of
the first finding. Nothing here names an operation, a table or an item: they all come from the tables.

cases.yaml:

    INKAN-D-0002:                       # the requirement; the folder is invalid/inkan-d-0002/
      mutation: "登録番号 in full-width digits"
      declaration: true                 # the case gets declaration.yaml (a 標準オプション)
      change:
        - {file: 印鑑登録.csv, record: 9, item: 登録番号, transform: full-width}
      expect:                           # optional: the author's claim where the first finding is not
        first: {file: 印鑑登録.csv, record: 2}   # on the changed record, or codes the change cannot tell

`declaration: true` also gives a case the declaration's `check_digits: all` (a wrong check digit of a
modulus-11 number fails only when declared). Besides the cases, the key `variants` names whole exports
that are not one requirement's case (`fixtures/<op>/variants/<name>/`), each with the IDs it must fail:

    variants:
      legacy-numbers:                   # the folder is variants/legacy-numbers/
        mutation: "..."
        change: [...]                   # `records: all` applies a transform to every record
        fail: []                        # exactly these fail (none: the export passes)
      legacy-numbers-declared:
        base: legacy-numbers            # the base's changes first, then its own
        declaration: true
        fail: [JUKI-D-0002]
        expect: {JUKI-D-0002: {first: {...}}}   # per failing requirement, as a case's `expect`
      waiver-valid:                     # waivers (README, Waivers): a declaration given as a mapping is
        change: [...]                   # the operation's declaration.yaml plus these keys
        declaration: {waivers: [{requirement: JUKI-D-0004, reason: ..., basis: ..., until: "2027-03-31", approved_by: ...}]}
        as-of: "2026-11-24"             # the date the run judges waivers by
        fail: []
        waived: [JUKI-D-0004]           # exactly these are waived (their findings derived as for `fail`)
        waivers: {JUKI-D-0004: applied} # each waiver's status (applied, partial, unused, expired)
        verdict: pass-with-waivers      # the run's verdict
      waiver-not-implementable:
        declaration: {waivers: [...]}
        declaration-error: "..."        # the run refuses the declaration (exit 2) with a message holding this
"""

from __future__ import annotations

import difflib
import json
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TextIO

import yaml

from conformance import spec as spec_store
from conformance.generate import renamed
from conformance.generate.findings import derive
from conformance.generate.mutations import CaseError, mutate
from conformance.results.check_digits import CHECK_DIGIT_PROFILES, DEFAULT_CHECK_DIGITS

__all__ = ["CASES_FILE", "VARIANTS", "CaseError", "build", "build_all", "check", "command", "operations", "render_case",
           "render_cases", "render_variant", "render_variants"]

# libyaml's parser where PyYAML has it (as spec/ and lint do): the same documents, a seventh of the CPU of
# the pure-Python one, which took most of a rebuild of all case folders (the 20 case tables, 1,000 checks).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

CASES_FILE = "cases.yaml"
VARIANTS = "variants"
"""The key of a case table holding its variants, and the folder they are written to."""


# ---------------------------------------------------------------------------------------------------------
# Case folders


def yaml_scalar(value: object) -> str:
    """A YAML scalar: plain when it reads back as itself and cannot be mistaken for a number, else
    double-quoted (JSON string syntax)."""
    if isinstance(value, int):
        return str(value)
    text = str(value)
    # A value starting with a digit is always quoted: 0123 or 1e3 must stay text for a reader too.
    if text and not any(c in text for c in ":,[]{}#&*!|>'\"%@`\\") and text[0] not in "-?0123456789.+":
        try:
            if yaml.safe_load(text) == text:
                return text
        except (yaml.YAMLError, ValueError):  # a date-like value that is not a date
            pass
    return json.dumps(text, ensure_ascii=False)


def expected_yaml(operation: str, fail: Iterable[str], description: str, declared: bool,
                  findings: Mapping[str, Mapping[str, Any]]) -> bytes:
    """A case's expected.yaml: spec, the failing requirements, the mutation, the declaration and why they fail."""
    lines = [f"spec: {operation}", f"fail: [{', '.join(fail)}]", f"mutation: {json.dumps(description, ensure_ascii=False)}"]
    if declared:  # a 標準オプション (or a check digit) is tested only when the vendor declares it
        lines.append("declaration: declaration.yaml")
    lines.append("findings:" if findings else "findings: {}")
    for requirement, expected in findings.items():
        lines.append(f"  {requirement}:")
        lines.append(f"    codes: [{', '.join(expected['codes'])}]")
        first = ", ".join(f"{key}: {yaml_scalar(value)}" for key, value in expected["first"].items())
        lines.append(f"    first: {{{first}}}")
    text = "\n".join(lines) + "\n"
    yaml.load(text, Loader=_YAML_LOADER)  # fail here, not in the tests, if a description breaks the YAML
    return text.encode("utf-8")


def load_cases(folder: Path) -> dict[str, dict[str, Any]]:
    """The case table of an operation's fixture folder."""
    path = folder / CASES_FILE
    try:
        loaded = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except (OSError, yaml.YAMLError) as error:
        raise CaseError(f"{path}: {error}") from None
    if not isinstance(loaded, dict):
        raise CaseError(f"{path}: a mapping of requirement ID -> case is expected")
    return loaded


def render_case(operation: str, folder: Path, requirement_id: str, case: Mapping[str, Any],
                valid: Mapping[str, bytes] | None = None) -> dict[str, bytes]:
    """File name -> bytes of one case folder (`valid`: the valid export's files, read when not given)."""
    if valid is None:
        valid = _valid(folder)
    spec = spec_store.load(operation)
    declared = bool(case.get("declaration"))
    try:
        export = mutate(valid, case.get("change") or [])
        findings = {requirement_id: derive(spec, spec.requirement(requirement_id), export.touched, case.get("expect") or {},
                                           _declared_formats(folder if declared else None))}
    except CaseError as error:
        raise CaseError(f"{operation} {requirement_id}: {error}") from None
    except (KeyError, TypeError, ValueError) as error:  # DerivationError included
        raise CaseError(f"{operation} {requirement_id}: {type(error).__name__}: {error}") from None
    files = export.render()
    if declared:
        files["declaration.yaml"] = (folder / "declaration.yaml").read_bytes()
    files["expected.yaml"] = expected_yaml(operation, [requirement_id], case["mutation"], declared, findings)
    return files


def _variant_changes(name: str, variants: Mapping[str, Mapping[str, Any]], seen: tuple[str, ...] = ()) -> list[Any]:
    """The changes of variant `name`: its base's first (a chain of bases, never a cycle)."""
    if name not in variants:
        raise CaseError(f"no variant {name!r}")
    if name in seen:
        raise CaseError(f"variant {name!r} is its own base")
    variant = variants[name]
    base = variant.get("base")
    before = _variant_changes(base, variants, (*seen, name)) if base else []
    return [*before, *(variant.get("change") or [])]


def render_variant(operation: str, folder: Path, name: str, variants: Mapping[str, Mapping[str, Any]],
                   valid: Mapping[str, bytes]) -> dict[str, bytes]:
    """File name -> bytes of one variant folder: the export, its declaration if any, expected.yaml."""
    spec = spec_store.load(operation)
    variant = variants[name]
    declared = bool(variant.get("declaration"))
    fail = sorted(variant.get("fail") or [])
    expect = variant.get("expect") or {}
    try:
        export = mutate(valid, _variant_changes(name, variants))
        formats = _declared_formats(folder if declared else None)
        findings = {requirement_id: derive(spec, spec.requirement(requirement_id), export.touched, expect.get(requirement_id) or {}, formats)
                    for requirement_id in sorted([*fail, *(variant.get("waived") or [])])}
    except CaseError as error:
        raise CaseError(f"{operation} variant {name}: {error}") from None
    except (KeyError, TypeError, ValueError) as error:  # DerivationError included
        raise CaseError(f"{operation} variant {name}: {type(error).__name__}: {error}") from None
    files = export.render()
    if declared:
        files["declaration.yaml"] = (folder / "declaration.yaml").read_bytes() + _declaration_keys(variant["declaration"])
    files["expected.yaml"] = expected_yaml(operation, fail, variant["mutation"], declared, findings) + _waiver_expectations(variant)
    return files


def _declaration_keys(declaration: object) -> bytes:
    """A variant's own declaration keys (a mapping; `true` adds none), appended to the operation's declaration.yaml:
    each key a block sequence of flow mappings, one entry a line."""
    if not isinstance(declaration, Mapping):
        return b""
    lines = []
    for key, entries in declaration.items():
        lines.append(f"{key}:")
        lines += [f"  - {_flow(entry)}" for entry in entries]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _flow(value: Any) -> str:
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{key}: {_flow(item)}" for key, item in value.items()) + "}"
    return yaml_scalar(value)


def _waiver_expectations(variant: Mapping[str, Any]) -> bytes:
    """The lines expected.yaml gains from a waiver variant (none for any other)."""
    lines = []
    for key in ("as-of", "verdict", "declaration-error"):
        if key in variant:
            lines.append(f"{key}: {yaml_scalar(variant[key])}")
    if "waived" in variant:
        lines.append(f"waived: [{', '.join(sorted(variant['waived']))}]")
    if "waivers" in variant:
        lines.append(f"waivers: {_flow(variant['waivers'])}")
    return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""


def render_variants(root: Path, operation: str) -> dict[str, dict[str, bytes]]:
    """Variant folder name -> its files (none when the case table has no `variants`)."""
    folder = root / operation
    variants = load_cases(folder).get(VARIANTS) or {}
    valid = _valid(folder) if variants else {}
    return {name: render_variant(operation, folder, name, variants, valid) for name in variants}


def _declared_formats(folder: Path | None) -> dict[str, str | None]:
    """The formats a run leaves unasserted under the operation's declaration.yaml (None: no declaration):
    the check digits of the modulus-11 numbers unless it says `check_digits: all`."""
    declared = DEFAULT_CHECK_DIGITS
    if folder is not None:
        loaded = yaml.safe_load((folder / "declaration.yaml").read_text(encoding="utf-8"))
        declared = loaded.get("check_digits", DEFAULT_CHECK_DIGITS) if isinstance(loaded, dict) else DEFAULT_CHECK_DIGITS
    return CHECK_DIGIT_PROFILES[declared]


def _valid(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted((folder / "valid").iterdir())}


def render_cases(root: Path, operation: str) -> dict[str, dict[str, bytes]]:
    """Case folder name -> its files, for every case of the operation's table (one per requirement)."""
    folder = root / operation
    cases = {key: case for key, case in load_cases(folder).items() if key != VARIANTS}
    spec = spec_store.load(operation)
    missing = sorted({r.id for r in spec.requirements} ^ set(cases))
    if missing:
        raise CaseError(f"{operation}: cases and requirements differ: {missing}")
    valid = _valid(folder)
    return {requirement_id.lower(): render_case(operation, folder, requirement_id, case, valid)
            for requirement_id, case in cases.items()}


def operations(root: Path) -> list[str]:
    """The operations with a case table under the fixtures folder `root`."""
    return sorted(path.parent.name for path in root.glob(f"*/{CASES_FILE}"))


def build(root: Path, operation: str) -> None:
    """Rewrite `<root>/<op>/invalid/` (and `variants/`) from the case table (staged first: a bad table
    leaves them as they were)."""
    rendered = {"invalid": render_cases(root, operation), VARIANTS: render_variants(root, operation)}
    with tempfile.TemporaryDirectory() as temporary:
        for kind, folders in rendered.items():
            staging = Path(temporary) / kind
            for case, files in folders.items():
                (staging / case).mkdir(parents=True)
                for name, data in files.items():
                    (staging / case / name).write_bytes(data)
        for kind, folders in rendered.items():
            target = root / operation / kind
            shutil.rmtree(target, ignore_errors=True)
            if folders:
                shutil.copytree(Path(temporary) / kind, target)


def _chosen(root: Path, names: Iterable[str]) -> list[str]:
    chosen = list(names) or operations(root)
    if not chosen:
        raise CaseError(f"no {CASES_FILE} under {root}")
    unknown = [name for name in chosen if not (root / name / CASES_FILE).is_file()]
    if unknown:
        raise CaseError(f"no {CASES_FILE} for: {', '.join(unknown)}")
    return chosen


def build_all(root: Path, names: Iterable[str] = ()) -> list[str]:
    """Build the named operations (all with a case table when none); returns those built."""
    chosen = _chosen(root, names)
    for name in chosen:
        build(root, name)
    return chosen


def check(root: Path, names: Iterable[str] = ()) -> list[str]:
    """Build in memory and compare with the committed case folders (nothing is written): the differences."""
    differences: list[str] = []
    for name in _chosen(root, names):
        for kind, rendered in (("invalid", render_cases(root, name)), (VARIANTS, render_variants(root, name))):
            committed_root = root / name / kind
            committed = {path.relative_to(committed_root).as_posix(): path.read_bytes()
                         for path in sorted(committed_root.rglob("*")) if path.is_file()} if committed_root.is_dir() else {}
            built = {f"{case}/{file}": data for case, files in rendered.items() for file, data in files.items()}
            differences += _compare(built, committed, f"{name}/{kind}")
    return differences


def _compare(new: Mapping[str, bytes], old: Mapping[str, bytes], label: str) -> list[str]:
    differences = [f"{label}/{name}: not built" for name in sorted(set(old) - set(new))]
    differences += [f"{label}/{name}: not committed" for name in sorted(set(new) - set(old))]
    for name in sorted(set(new) & set(old)):
        if new[name] != old[name]:
            detail = ""
            if name.endswith(".yaml"):
                detail = "\n" + "".join(difflib.unified_diff(
                    old[name].decode("utf-8", "replace").splitlines(True),
                    new[name].decode("utf-8", "replace").splitlines(True), "committed", "built"))
            differences.append(f"{label}/{name}: differs{detail}")
    return differences


def command(names: list[str], check_only: bool, root: Path, stdout: TextIO, stderr: TextIO) -> int:
    """`conformance fixtures build [OP ...] [--check]`: 0 built or equal, 1 differences, 2 a bad case table.

    Without OP, the renamed copies of the real exports are built (or checked) too."""
    # The renamed copies of the real exports (fixtures/real/<name>/rename.yaml) come with a full build.
    real = not names
    try:
        if check_only:
            differences = check(root, names) + (renamed.check(root) if real else [])
            for difference in differences:
                stdout.write(difference + "\n")
            stdout.write(f"{len(differences)} difference(s)\n" if differences else "the case folders match their case tables\n")
            return 1 if differences else 0
        for name in build_all(root, names):
            stdout.write(f"built {root / name / 'invalid'}\n")
        for folder in renamed.build(root) if real else []:
            stdout.write(f"built {folder}\n")
        return 0
    except (CaseError, spec_store.SpecError) as error:
        stderr.write(f"conformance: {error}\n")
        return 2
