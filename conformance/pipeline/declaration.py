"""The vendor's declaration: which system, which spec versions, which 標準オプション."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from conformance import spec as spec_store
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

    def to_dict(self) -> dict[str, Any]:
        """JSON form, as the report records it."""
        profile = {"character_profile": self.character_profile} if self.character_profile else {}
        digits = {"check_digits": self.check_digits} if self.check_digits else {}
        return {"system": dict(self.system), "specs": dict(self.specs), "options": list(self.options), **profile, **digits}


def load_declaration(path: Path) -> Declaration:
    """Read and validate a declaration file (YAML or JSON)."""
    # Messages name places and rules, never the content: a wrong file given by mistake (an export)
    # would otherwise be echoed into the terminal or a CI log.
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise DeclarationError(f"{path}: 宣言ファイルを読めません（{error.strerror}）") from None
    except UnicodeDecodeError:
        raise DeclarationError(f"{path}: 宣言ファイルがUTF-8ではありません") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{mark.line + 1}行目" if mark is not None else "位置不明"
        raise DeclarationError(f"{path}: 宣言ファイルがYAMLとして読めません（{where}）") from None
    problems = sorted(
        jsonschema.Draft202012Validator(spec_store.meta_schema("declaration")).iter_errors(raw),
        key=lambda error: list(map(str, error.absolute_path)),
    )
    if problems:
        where = "/".join(str(p) for p in problems[0].absolute_path) or "(文書全体)"
        rule = f"{problems[0].validator}: {problems[0].validator_value}" if problems[0].validator != "additionalProperties" else "additionalProperties"
        raise DeclarationError(f"{path}: 宣言ファイルの形式が正しくありません（{where} が {rule} を満たしません）")
    return Declaration(
        system={k: str(v) for k, v in raw["system"].items()},
        specs={k: str(v) for k, v in raw.get("specs", {}).items()},
        options=tuple(raw.get("options", ())),
        character_profile=raw.get("character_profile"),
        check_digits=raw.get("check_digits"),
    )


def check_declaration(declaration: Declaration | None, specs: Sequence[Spec]) -> None:
    """The declaration claims only options and versions the chosen specs have (DeclarationError)."""
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
