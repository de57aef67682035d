"""`--fuzz`: Schemathesis drives generated requests (valid and invalid) against the target with our
contract; a 5xx or a response the contract does not allow is a finding of the robustness requirement.

Optional (the `api-fuzz` extra). The contract is bundled first: its `$ref`s to the record schemas are
inlined from the local registry, so Schemathesis never resolves anything over the network.
"""

from __future__ import annotations

import copy
from typing import Any

from conformance.api.client import ApiClient
from conformance.api.contract import ApiRequirement, Contract, _registry
from conformance.api.gather import Outcome
from conformance.results import Finding, Location, codes

_MAX_FINDINGS = 20


def bundled(contract: Contract) -> dict[str, Any]:
    """The OpenAPI document with every external `$ref` replaced by what it points to."""
    resolver = _registry(contract.uri, contract).resolver(contract.uri)

    def inline(node: Any, resolver: Any, depth: int) -> Any:  # a referencing Resolver (not exported)
        if depth > 64:
            raise ValueError("$ref chain too deep")
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and not ref.startswith("#"):
                resolved = resolver.lookup(ref)
                rest = {k: inline(v, resolver, depth + 1) for k, v in node.items() if k != "$ref"}
                target = inline(resolved.contents, resolved.resolver, depth + 1)
                return {"allOf": [target], **rest} if rest else target
            if isinstance(ref, str) and resolver is not root:
                # A local ref inside an inlined schema points into ITS document, not the contract.
                resolved = resolver.lookup(ref)
                return inline(resolved.contents, resolved.resolver, depth + 1)
            return {k: inline(v, resolver, depth + 1) for k, v in node.items()
                    if not (resolver is not root and k in ("$id", "$schema"))}
        if isinstance(node, list):
            return [inline(v, resolver, depth + 1) for v in node]
        return node

    root = resolver
    document = copy.deepcopy(contract.document)
    return dict(inline(document, resolver, 0))


def run_fuzz(contract: Contract, client: ApiClient, examples: int, requirement: ApiRequirement, outcome: Outcome) -> None:
    """Generated requests against every endpoint; findings for 5xx and contract violations."""
    try:
        import schemathesis
        from hypothesis import HealthCheck, Phase, given, settings
        from schemathesis.checks import not_a_server_error
        from schemathesis.generation import GenerationMode
        from schemathesis.specs.openapi.checks import response_schema_conformance
    except ImportError:
        outcome.errors.append("--fuzz には Schemathesis が必要です（pip install 'jichitai-conformance[api-fuzz]'）")
        return
    try:
        schema = schemathesis.openapi.from_dict(bundled(contract))
    except Exception as error:  # a contract Schemathesis cannot load is our problem: an error, not a finding
        outcome.errors.append(f"Schemathesis が契約を読めません: {type(error).__name__}")
        return
    seen: set[tuple[str, str]] = set()
    checks = [not_a_server_error, response_schema_conformance]
    for result in schema.get_all_operations():
        try:
            operation = result.ok()  # type: ignore[union-attr]
        except Exception as error:
            outcome.errors.append(f"Schemathesis: {type(error).__name__}")
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            probe = _probe(client, requirement, outcome, operation, checks, seen)
            settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                     phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))(
                given(case=operation.as_strategy(generation_mode=mode))(probe))()


def _probe(client: ApiClient, requirement: ApiRequirement, outcome: Outcome, operation: Any,
           checks: list[Any], seen: set[tuple[str, str]]) -> Any:
    """One generated request: send it with the run's limits, record what the checks reject."""
    options = client.options
    verify: bool | str = options.ca_bundle or True if options.verify else False
    method, path = operation.method.upper(), operation.path

    def probe(case: Any) -> None:
        try:
            response = case.call(base_url=client.base_url, session=client.session, headers=client.authorization(),
                                 timeout=(options.connect_timeout, options.read_timeout), verify=verify,
                                 allow_redirects=False)
        except Exception as error:
            outcome.errors.append(f"{method} {path}: 要求に失敗しました（{type(error).__name__}）")
            return
        outcome.tested = True
        try:
            case.validate_response(response, checks=checks)
        except (AssertionError, BaseExceptionGroup) as failure:  # Schemathesis's FailureGroup is a BaseExceptionGroup
            status = response.status_code
            kind = codes.SERVER_ERROR if status >= 500 else codes.CONTRACT_VIOLATION
            if (kind, path) in seen or len(outcome.findings) >= _MAX_FINDINGS:
                return
            seen.add((kind, path))
            what = "サーバー内部エラー（5xx）" if status >= 500 else "契約に反する応答"
            message = f"生成した要求に HTTP {status} の{what}が返りました（{type(failure).__name__}）。"
            outcome.findings.append(Finding(requirement.id, kind, message, Location(method=method, url=client.url(path))))

    return probe
