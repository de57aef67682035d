"""The vendor's declaration: which system, which spec versions, which 標準オプション, which waivers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from conformance import spec as spec_store
from conformance.results import Waiver, terminal_safe
from conformance.spec import Spec


class DeclarationError(Exception):
    """The declaration file is unreadable or claims what the specs do not have (exit code 2)."""


@dataclass(frozen=True, slots=True)
class Declaration:
    """The vendor's statement: which system, which spec versions, which 標準オプション."""

    system: dict[str, str]
    specs: dict[str, str] = field(default_factory=dict)
    options: tuple[str, ...] = ()
    character_profile: str | None = None
    """The declared character profile (formats.CHARACTER_PROFILES), None when the default applies."""
    check_digits: str | None = None
    """Whether every 宛名番号・世帯番号 carries its check digit (results.check_digits.CHECK_DIGIT_PROFILES: `all`), None
    when the default applies (`legacy`: numbers assigned before the standard may have none)."""
    waivers: tuple[Waiver, ...] = ()
    """Dated exceptions (README, Waivers): a failing requirement under an unexpired waiver is `waived`."""

    def to_dict(self) -> dict[str, Any]:
        """JSON form, as the report records it."""
        profile = {"character_profile": self.character_profile} if self.character_profile else {}
        digits = {"check_digits": self.check_digits} if self.check_digits else {}
        waivers = {"waivers": [waiver.to_dict() for waiver in self.waivers]} if self.waivers else {}
        return {"system": dict(self.system), "specs": dict(self.specs), "options": list(self.options), **profile, **digits,
                **waivers}


# A declaration is a few lines; these bounds only stop a hostile file before it costs anything.
MAX_DECLARATION_BYTES = 1024**2
MAX_DECLARATION_DEPTH = 64
_PLACE_CHARACTERS = 40


class _DeclarationLoader(yaml.SafeLoader):
    """SafeLoader without aliases and with a nesting bound.

    An alias (`*name`) lets a few lines expand exponentially ("billion laughs"): loading stays fast, but
    everything that walks the value (the schema validation and its messages) does not end. A declaration
    has no use for one. Composing is recursive: without a bound, deep nesting ends in RecursionError."""

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            raise _Refused("エイリアス（*名前）は使えません", self._mark())
        depth = getattr(self, "_depth", 0)
        if depth >= MAX_DECLARATION_DEPTH:
            raise _Refused(f"入れ子が深すぎます（上限 {MAX_DECLARATION_DEPTH} 段）", self._mark())
        self._depth = depth + 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth = depth

    def _mark(self) -> yaml.Mark | None:
        mark: yaml.Mark | None = self.peek_event().start_mark  # type: ignore[no-untyped-call]
        return mark


# Dates stay text: a waiver's `until: 2027-03-31` is validated by the meta-schema and parsed by us, and an
# impossible date (2027-02-30) is a clear message, where YAML's timestamp resolution raises ValueError.
_DeclarationLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _Refused(Exception):
    def __init__(self, reason: str, mark: yaml.Mark | None) -> None:
        super().__init__(reason)
        self.reason, self.mark = reason, mark


def _place(parts: Sequence[object]) -> str:
    """A place in the declaration as a message may name it: every key cut and 個人番号-masked
    (the keys are the input's own text)."""
    cut = [str(p) if len(str(p)) <= _PLACE_CHARACTERS else str(p)[:_PLACE_CHARACTERS] + "…" for p in parts]
    return terminal_safe("/".join(cut)) or "(文書全体)"


def _line(mark: yaml.Mark | None) -> str:
    return f"{mark.line + 1}行目" if mark is not None else "位置不明"


def load_declaration(path: Path) -> Declaration:
    """Read and validate a declaration file (YAML or JSON)."""
    # Messages name places and rules, never the content: a wrong file given by mistake (an export)
    # would otherwise be echoed into the terminal or a CI log.
    try:
        if path.stat().st_size > MAX_DECLARATION_BYTES:
            raise DeclarationError(f"{path}: 宣言ファイルが大きすぎます（上限 {MAX_DECLARATION_BYTES:,} バイト）")
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_DeclarationLoader)
    except OSError as error:
        raise DeclarationError(f"{path}: 宣言ファイルを読めません（{error.strerror}）") from None
    except UnicodeDecodeError:
        raise DeclarationError(f"{path}: 宣言ファイルがUTF-8ではありません") from None
    except _Refused as refused:
        raise DeclarationError(f"{path}: 宣言ファイルを読みません: {refused.reason}（{_line(refused.mark)}）") from None
    except yaml.YAMLError as error:
        raise DeclarationError(f"{path}: 宣言ファイルがYAMLとして読めません（{_line(getattr(error, 'problem_mark', None))}）") from None
    problems = sorted(
        jsonschema.Draft202012Validator(spec_store.meta_schema("declaration")).iter_errors(raw),
        key=lambda error: list(map(str, error.absolute_path)),
    )
    if problems:
        where = _place(list(problems[0].absolute_path))
        rule = f"{problems[0].validator}: {problems[0].validator_value}" if problems[0].validator != "additionalProperties" else "additionalProperties"
        raise DeclarationError(f"{path}: 宣言ファイルの形式が正しくありません（{where} が {rule} を満たしません）")
    waivers = tuple(Waiver.from_dict(entry) for entry in raw.get("waivers", ()))
    for index, waiver in enumerate(waivers):
        try:
            waiver.until_date  # noqa: B018 (parsed only to be validated)
        except ValueError:
            raise DeclarationError(f"{path}: 宣言ファイルの形式が正しくありません（waivers/{index}/until が暦にない日付です）") from None
    return Declaration(
        system={k: str(v) for k, v in raw["system"].items()},
        specs={k: str(v) for k, v in raw.get("specs", {}).items()},
        options=tuple(raw.get("options", ())),
        character_profile=raw.get("character_profile"),
        check_digits=raw.get("check_digits"),
        waivers=waivers,
    )


def check_declaration(declaration: Declaration | None, specs: Sequence[Spec], more: Mapping[str, str] | None = None) -> None:
    """The declaration claims only options and versions the chosen specs have, and waives only their requirements
    (`more`: requirement ID -> level of requirements beyond the specs' own, the API cases in API mode) (DeclarationError)."""
    if declaration is None:
        return
    options = {r.id for spec in specs for r in spec.requirements if r.level == "標準オプション"}
    unknown = [option for option in declaration.options if option not in options]
    if unknown:
        raise DeclarationError(f"宣言された標準オプション {', '.join(unknown)} は検査する仕様の標準オプションではありません")
    for spec in specs:
        claimed = declaration.specs.get(spec.id)
        if claimed is not None and claimed != spec.version:
            raise DeclarationError(f"宣言は {spec.id} {claimed} ですが、このスイートの仕様は {spec.version} です")
    check_waivers(declaration.waivers, specs, more or {})


def check_waivers(waivers: Sequence[Waiver], specs: Sequence[Spec], more: Mapping[str, str]) -> None:
    """Every waiver names a requirement of the chosen specs that may be waived, once per scope (DeclarationError)."""
    levels = {**{r.id: r.level for spec in specs for r in spec.requirements}, **more}
    tables = {t.name: t for spec in specs for t in spec.tables}
    seen: set[tuple[str, str | None, str | None]] = set()
    for index, waiver in enumerate(waivers):
        where = f"waivers/{index}（{terminal_safe(waiver.requirement)}）"
        level = levels.get(waiver.requirement)
        if level is None:
            raise DeclarationError(f"宣言の免除 {where} の要件は検査する仕様にありません")
        if level == "実装不可":
            raise DeclarationError(f"宣言の免除 {where} は実装不可の要件です。実装不可の要件は免除できません（標準にない機能・項目は、期限付きでも認められません）")
        if waiver.table is not None and waiver.table not in tables:
            raise DeclarationError(f"宣言の免除 {where} の範囲の表 {_place([waiver.table])} は検査する仕様にありません")
        holders = [tables[waiver.table]] if waiver.table is not None else list(tables.values())
        if waiver.item is not None and all(table.item(waiver.item) is None for table in holders):
            place = f"表 {_place([waiver.table])} に" if waiver.table is not None else "検査する仕様のどの表にも"
            raise DeclarationError(f"宣言の免除 {where} の範囲の項目 {_place([waiver.item])} は{place}ありません")
        key = (waiver.requirement, waiver.table, waiver.item)
        if key in seen:
            raise DeclarationError(f"宣言の免除 {where} は同じ要件・同じ範囲の免除が重複しています")
        seen.add(key)
