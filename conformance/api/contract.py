"""The API contract of an operation (specs/<operation>/openapi.yaml) and its API cases, loaded as data.

The contract's schemas `$ref` the record schemas by their `$id`; they are resolved with the spec
registry (`referencing`), never over the network.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote as url_quote

import jsonschema
import yaml
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from conformance import spec as spec_store
from conformance.spec import SCHEMA_BASE, SpecError
from conformance.spec.model import Basis, Level, Source, Spec

__all__ = ["ApiRequirement", "Contract", "Endpoint", "load_api_requirements", "load_contract"]

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
BodyKind = Literal["list", "single", "problem"]


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One GET endpoint of a table: `list` or `single` (by primary key)."""

    table: str
    kind: Literal["list", "single"]
    path: str
    key_items: tuple[str, ...] = ()
    schema_ref: str = ""

    def render(self, key: tuple[str, ...] = ()) -> str:
        """The path with the key values filled in (URL-encoded)."""
        path = self.path
        for index, value in enumerate(key, start=1):
            path = path.replace(f"{{key{index}}}", url_quote(value, safe=""))
        return path


@dataclass(frozen=True, slots=True)
class Contract:
    """The OpenAPI document of one operation, with validators for its response bodies."""

    operation: str
    uri: str
    document: dict[str, Any] = field(repr=False, hash=False, compare=False)
    endpoints: tuple[Endpoint, ...] = ()
    max_limit: int = 1000

    def endpoint(self, table: str, kind: str) -> Endpoint | None:
        """The table's endpoint of that kind, if the contract has one."""
        return next((e for e in self.endpoints if e.table == table and e.kind == kind), None)

    def validator(self, ref: str) -> jsonschema.protocols.Validator:
        """A Draft 2020-12 validator of the schema at `ref` (relative to the document)."""
        return _validator(self, ref)

    def problem_ref(self) -> str:
        """The problem+json schema."""
        return "#/components/schemas/Problem"


@cache
def _registry(uri: str, contract: Contract) -> Registry[Any]:
    registry: Registry[Any] = spec_store.registry().with_resource(uri, DRAFT202012.create_resource(contract.document))
    return registry


@cache
def _validator(contract: Contract, ref: str) -> jsonschema.protocols.Validator:
    absolute = ref if "://" in ref else contract.uri + ref
    registry = _registry(contract.uri, contract)
    return jsonschema.Draft202012Validator({"$ref": absolute}, registry=registry)


def _response_ref(operation: dict[str, Any]) -> str:
    content = operation.get("responses", {}).get("200", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema", {})
    return str(schema.get("$ref", ""))


@cache
def load_contract(spec: Spec) -> Contract:
    """The contract of `spec` (SpecError when the operation has none, or it is malformed)."""
    path = spec.path / "openapi.yaml"
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except (OSError, yaml.YAMLError) as error:
        raise SpecError(f"{path}: API契約を読めません（{error}）") from None
    if not isinstance(document, dict) or not str(document.get("openapi", "")).startswith("3.1"):
        raise SpecError(f"{path}: OpenAPI 3.1 の文書ではありません")
    endpoints = []
    for route, methods in (document.get("paths") or {}).items():
        operation = (methods or {}).get("get") or {}
        table, kind = operation.get("x-table"), operation.get("x-endpoint")
        if not isinstance(table, str) or kind not in ("list", "single"):
            continue
        keys = tuple(str(p["x-item"]) for p in operation.get("parameters", []) if isinstance(p, dict) and p.get("in") == "path")
        endpoints.append(Endpoint(table, kind, str(route), keys, _response_ref(operation)))
    limit = document.get("components", {}).get("parameters", {}).get("limit", {}).get("schema", {})
    uri = f"{SCHEMA_BASE}{spec.id}/openapi.yaml"
    return Contract(spec.id, uri, document, tuple(endpoints), int(limit.get("maximum", 1000)))


@dataclass(frozen=True, slots=True)
class ApiRequirement:
    """An API case under one operation's requirement ID."""

    id: str
    operation: str
    case: str
    title: str
    level: Level
    source: Source
    fix: str
    procedure: str
    definition: dict[str, Any] = field(repr=False, hash=False, compare=False)

    @property
    def basis(self) -> Basis:
        """How sure we are of it."""
        return self.source.basis


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except (OSError, yaml.YAMLError) as error:
        raise SpecError(f"{path}: {error}") from None


@cache
def generic_cases(root: Path | None = None) -> dict[str, dict[str, Any]]:
    """specs/common/api-cases.yaml: case key -> definition."""
    path = (root or spec_store.specs_root()) / "common" / "api-cases.yaml"
    data = _read_yaml(path)
    meta = spec_store.meta_schema("api-cases")
    validator = jsonschema.Draft202012Validator({"$defs": meta["$defs"], "$ref": "#/$defs/generic"})
    problem = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if problem is not None:
        where = "/".join(str(part) for part in problem.absolute_path) or "(root)"
        raise SpecError(f"{path}: {where}: {problem.message}; run `conformance spec lint`")
    return dict(data["cases"])


def load_api_requirements(spec: Spec, root: Path | None = None) -> list[ApiRequirement]:
    """The API requirements of `spec` (specs/<operation>/api-cases.yaml); SpecError when absent."""
    path = spec.path / "api-cases.yaml"
    if not path.is_file():
        raise SpecError(f"{spec.id}: API契約がありません（{path.name}）。APIモードでは検査できません")
    data = _read_yaml(path)
    cases = generic_cases(root)
    requirements = []
    try:
        for entry in data["requirements"]:
            case = cases[entry["case"]]
            requirements.append(ApiRequirement(
                id=str(entry["id"]), operation=spec.id, case=str(entry["case"]), title=case["title"], level=case["level"],
                source=Source(**case["source"]), fix=case["fix"], procedure=case["procedure"], definition=case,
            ))
    except (KeyError, TypeError) as error:
        raise SpecError(f"{path}: malformed ({error!r}); run `conformance spec lint`") from None
    return requirements
