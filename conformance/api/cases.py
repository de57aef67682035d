"""Evaluating the API cases of one operation against a live target (the records come from `gather`).

Generic over operations and tables: what to request and what to expect comes from the case
definitions (specs/common/api-cases.yaml) and the contract (specs/<operation>/openapi.yaml).
Each requirement ends with findings, an error reason or a not-tested reason; the runner turns
that into a verdict. Values never appear in messages; primary keys are shown masked.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

from conformance.api import paging
from conformance.api.client import ApiClient, Exchange
from conformance.api.contract import ApiRequirement, Contract, Endpoint
from conformance.api.envelope import RECORD_KEY, violations
from conformance.api.gather import (
    NOT_JSON,
    UNKNOWN_KEY,
    Gathered,
    Gatherer,
    Outcome,
    RecordSink,
    json_body,
    next_cursor,
    text_value,
)
from conformance.results import Finding, Location, codes, shown_part
from conformance.spec.model import Spec, Table

_SCHEMA_FINDINGS_PER_RESPONSE = 5



def _field(table: Table, name: str) -> str:
    """The field an item travels under: its official romaji, else its name."""
    item = table.item(name)
    return item.field_name if item is not None else name


class ApiEvaluation(Gatherer):
    """The API cases of one spec against one target."""

    def __init__(self, spec: Spec, contract: Contract, client: ApiClient, requirements: list[ApiRequirement],
                 show_values: bool, fuzz: bool, fuzz_examples: int = 20,
                 sink: Callable[[Table], RecordSink] | None = None) -> None:
        super().__init__(spec, contract, client, show_values, sink)
        self.requirements = requirements
        self.fuzz = fuzz
        self.fuzz_examples = fuzz_examples
        # Requests that walk every page of a list as the gathering walk does (same query, with the
        # token): their expectations are judged on the gathering walk's pages as it decodes them, so
        # each large page is fetched and decoded once. (requirement ID, request index, table) -> outcome.
        self._alongside: list[tuple[ApiRequirement, int, dict[str, Any]]] = []
        self._judged: dict[tuple[str, int, str], Outcome] = {}
        for requirement in requirements:
            for index, request in enumerate(requirement.definition.get("requests", ()) if requirement.procedure == "request" else ()):
                if (request["endpoint"] == "list" and request.get("pages") == "all" and request.get("auth", "token") != "none"
                        and {"limit": str(contract.max_limit), **request.get("query", {})} == {"limit": str(contract.max_limit)}):
                    self._alongside.append((requirement, index, requirement.definition["expect"]))

    def walked(self, table: Table, endpoint: Endpoint, query: dict[str, str], exchange: Exchange, body: Any) -> None:
        """Judge the whole-list requests' expectations on a page of the gathering walk."""
        for requirement, index, expect in self._alongside:
            outcome = self._judged.setdefault((requirement.id, index, table.name), Outcome())
            self._expect(requirement, table, endpoint, exchange, (), query, expect, outcome, body)

    # -- evaluation ----------------------------------------------------------------------------------
    def evaluate(self) -> dict[str, Outcome]:
        """Requirement ID -> outcome (robustness only with fuzz; the caller leaves it out otherwise)."""
        self.gather()
        outcomes: dict[str, Outcome] = {}
        for requirement in self.requirements:
            outcome = Outcome()
            procedure = requirement.procedure
            if procedure == "fuzz":
                if not self.fuzz:
                    continue
                from conformance.api.fuzz import run_fuzz  # Schemathesis is an optional extra

                run_fuzz(self.contract, self.client, self.fuzz_examples, requirement, outcome)
            else:
                for table in self.spec.tables:
                    if table.name not in self.gathered:
                        continue
                    if procedure == "request":
                        self._requests(requirement, table, outcome)
                    elif procedure == "paging":
                        self._paging(requirement, table, outcome)
                    elif procedure == "updated-since":
                        self._updated_since(requirement, table, outcome)
            if not outcome.tested and outcome.not_tested is None:
                outcome.not_tested = "検査できる表・レコードがありません"
            outcomes[requirement.id] = outcome
        return outcomes

    def _finding(self, requirement: ApiRequirement, code: str, message: str, location: Location,
                 value: str | None = None) -> Finding:
        return Finding(requirement.id, code, message, location, value)

    def _shown_key(self, table: Table, key: tuple[str, ...]) -> str:
        parts = []
        for name, value in zip(table.primary_key, key, strict=False):
            item = table.item(name)
            parts.append(f"{name}={shown_part(value, item.personal if item else 'mask', self.show_values)}")
        return "; ".join(parts)

    def _requests(self, requirement: ApiRequirement, table: Table, outcome: Outcome) -> None:
        expect: dict[str, Any] = requirement.definition["expect"]
        gathered = self.gathered[table.name]
        for index, request in enumerate(requirement.definition["requests"]):
            endpoint = self.contract.endpoint(table.name, request["endpoint"])
            if endpoint is None:
                outcome.not_tested = outcome.not_tested or f"{table.name}: 契約にこのエンドポイントがありません"
                continue
            judged = self._judged.pop((requirement.id, index, table.name), None)
            if judged is not None:  # judged on the gathering walk's pages, in the same order
                outcome.findings += judged.findings
                outcome.errors += judged.errors
                outcome.tested = outcome.tested or judged.tested
                continue
            auth = request.get("auth", "token") != "none"
            query = dict(request.get("query", {}))
            exchanges: list[tuple[Exchange, tuple[str, ...], dict[str, str]]] = []
            bodies: dict[int, Any] = {}  # the walk decoded each page already
            if request["endpoint"] == "list":
                if request.get("pages") == "all":
                    query.setdefault("limit", str(self.contract.max_limit))
                    for exchange, body in self._walk(endpoint, query, auth):
                        exchanges.append((exchange, (), query))
                        if body is not None:
                            bodies[id(exchange)] = body
                else:
                    exchanges = [(self._get(endpoint.render(), query, auth), (), query)]
            elif request["key"] == "unknown":
                key = tuple(UNKNOWN_KEY for _ in endpoint.key_items)
                exchanges = [(self._get(endpoint.render(key), query, auth), key, query)]
            else:
                if not gathered.complete or not gathered.entries:
                    reason = gathered.failure or f"{table.name}のレコードがないため1件取得を検査できません"
                    if gathered.failure:
                        outcome.errors.append(f"{gathered.display}: {reason}")
                    else:
                        outcome.not_tested = outcome.not_tested or reason
                    continue
                for entry in gathered.entries[: int(request.get("sample", 1))]:
                    exchanges.append((self._get(endpoint.render(entry.key), query, auth), entry.key, query))
            for exchange, key, used_query in exchanges:
                self._expect(requirement, table, endpoint, exchange, key, used_query, expect, outcome, bodies.pop(id(exchange), None))

    def _expect(self, requirement: ApiRequirement, table: Table, endpoint: Endpoint, exchange: Exchange,
                key: tuple[str, ...], query: dict[str, str], expect: dict[str, Any], outcome: Outcome,
                decoded: Any = None) -> None:
        where = self._where(endpoint, query, key)
        if exchange.error is not None:
            outcome.errors.append(f"{where.method} {where.url}: {exchange.error}")
            return
        outcome.tested = True
        add = outcome.findings.append
        if exchange.refused_redirect is not None:
            add(self._finding(requirement, codes.REDIRECT_OTHER_HOST,
                              f"HTTP {exchange.status} で別のホスト（{exchange.refused_redirect}）へ転送されました。トークンを送らないため追跡していません。", where))
            return
        status = expect.get("status")
        if status is not None and exchange.status != status:
            extra = "（サーバー内部エラー）" if exchange.status is not None and exchange.status >= 500 else ""
            add(self._finding(requirement, codes.UNEXPECTED_STATUS, f"HTTP {exchange.status}{extra}が返りました（期待: {status}）。", where))
            return
        media = expect.get("media_type")
        content_type = exchange.header("content-type") or ""
        mime, params = _media_type(content_type)
        if media is not None and mime != media:
            add(self._finding(requirement, codes.WRONG_CONTENT_TYPE, f"Content-Type が「{content_type or '（なし）'}」です（期待: {media}）。", where))
        charset = expect.get("charset")
        if charset is not None:
            given = params.get("charset")
            if given is not None and given.lower() != charset:
                add(self._finding(requirement, codes.WRONG_CHARSET, f"Content-Type の charset が {given} です（期待: {charset}、または指定なし）。", where))
            if exchange.body.startswith(b"\xef\xbb\xbf"):
                add(self._finding(requirement, codes.BOM_POLICY, "本文の先頭にBOMがあります（JSONの応答には付けません）。", where))
            try:
                exchange.body.decode("utf-8")
            except UnicodeDecodeError as error:
                add(self._finding(requirement, codes.NOT_UTF8, f"本文がUTF-8として読めません（{error.start}バイト目）。", where))
        headers: dict[str, str] = expect.get("headers", {})
        for name, pattern in headers.items():
            value = exchange.header(name)
            if value is None or not re.match(pattern, value):
                add(self._finding(requirement, codes.MISSING_HEADER, f"ヘッダー {name} がないか、形式（{pattern}）に合いません。", where))
        body_kind = expect.get("body")
        if body_kind is None:
            return
        body = json_body(exchange) if decoded is None else decoded
        if body is NOT_JSON:
            add(self._finding(requirement, codes.MALFORMED_JSON, f"本文がJSONではありません（Content-Type: {content_type or 'なし'}）。", where))
            return
        ref = self.contract.problem_ref() if body_kind == "problem" else endpoint.schema_ref
        for code, message in self._schema_errors(ref, body)[:_SCHEMA_FINDINGS_PER_RESPONSE]:
            add(self._finding(requirement, code, message, where))
        if expect.get("same_key") and isinstance(body, dict) and isinstance(body.get(RECORD_KEY), dict):
            got = tuple(text_value(body[RECORD_KEY].get(_field(table, name))) or "" for name in table.primary_key)
            if got != key:
                add(self._finding(requirement, codes.WRONG_RECORD, "指定した主キーと異なるレコードが返りました。", where,
                                  self._shown_key(table, got)))

    def _schema_errors(self, ref: str, body: Any) -> list[tuple[str, str]]:
        """(code, message) of the contract violations of a body. Inside a record only wrong JSON types
        count here: the values themselves are judged by the data requirements, record by record, with
        their own IDs. An item's value that is not a string has the code it has in a JSON file."""
        messages = []
        for path, keyword, keyword_value, message in violations(self.contract.validator(ref), body):
            if RECORD_KEY in path and keyword != "type":
                continue
            pointer = "/" + "/".join(str(part) for part in path)
            if keyword == "type":
                what = f"型が {keyword_value} ではありません"
            elif keyword == "required":
                what = f"必須のキーがありません（{message.split(' ')[0]}）"
            elif keyword == "additionalProperties":
                what = "契約にないキーがあります"
            else:
                what = f"{keyword} を満たしません"
            in_record = RECORD_KEY in path and path.index(RECORD_KEY) < len(path) - 1
            code = codes.NON_STRING_VALUE if in_record and keyword == "type" else codes.SCHEMA_VIOLATION
            messages.append((code, f"応答の {pointer} が契約のスキーマに合いません: {what}。"))
        return messages

    def _complete_list(self, table: Table, outcome: Outcome) -> tuple[Gathered, Endpoint] | None:
        """The table's gathered records and list endpoint; None (an error) when gathering failed."""
        gathered = self.gathered[table.name]
        endpoint = self.contract.endpoint(table.name, "list")
        if endpoint is None or not gathered.complete:
            outcome.errors.append(f"{gathered.display}: {gathered.failure}")
            return None
        return gathered, endpoint

    def _paging(self, requirement: ApiRequirement, table: Table, outcome: Outcome) -> None:
        listed = self._complete_list(table, outcome)
        if listed is None:
            return
        gathered, endpoint = listed
        if not table.primary_key:
            outcome.not_tested = outcome.not_tested or f"{table.name}に主キーがないため、ページ間の欠落・重複を判定できません"
            return
        size = int(requirement.definition.get("params", {}).get("page_size", 7))
        query = {"limit": str(size)}
        where = self._where(endpoint, query)
        expected = [entry.key for entry in gathered.entries]
        positions = paging.key_positions(expected)
        full = self.contract.max_limit
        for window in paging.plan(len(expected), gathered.cursors, size, full):
            walked = self._window_keys(requirement, table, endpoint, query, outcome, "ページの取得に失敗しました",
                                       window.cursor, window.max_pages)
            if walked is None:
                return
            keys, capped = walked
            # Counted, not set-compared: an export may hold a key twice (a data finding of its own).
            found = paging.compare(expected, positions, window.anchor, keys, to_end=not capped)
            add = outcome.findings.append
            for key in found.duplicated:
                add(self._finding(requirement, codes.DUPLICATE_RECORD, f"limit={size} のページングで同じレコードが重複して返りました。", where, self._shown_key(table, key)))
            for key in found.lost:
                add(self._finding(requirement, codes.LOST_RECORD, f"limit={size} のページングで返らないレコードがあります（limit={full} では返ります）。", where, self._shown_key(table, key)))
            for key in found.extra:
                add(self._finding(requirement, codes.EXTRA_RECORD, f"limit={size} のページングでだけ返るレコードがあります。", where, self._shown_key(table, key)))
            if not outcome.findings and found.reordered:
                add(self._finding(requirement, codes.UNSTABLE_ORDER, f"limit={size} と limit={full} でレコードの順序が異なります。", where))

    def _listed_keys(self, requirement: ApiRequirement, table: Table, endpoint: Endpoint, query: dict[str, str],
                     outcome: Outcome, failed: str) -> list[tuple[str, ...]] | None:
        """The primary keys a list walk returns, in order; None when it could not be completed
        (an error, or a finding under `requirement` for a page that is not a list)."""
        walked = self._window_keys(requirement, table, endpoint, query, outcome, failed)
        return None if walked is None else walked[0]

    def _window_keys(self, requirement: ApiRequirement, table: Table, endpoint: Endpoint, query: dict[str, str],
                     outcome: Outcome, failed: str, cursor: str | None = None,
                     max_pages: int = 10_000) -> tuple[list[tuple[str, ...]], bool] | None:
        """The primary keys of at most `max_pages` pages from `cursor`, in order, and whether the walk
        stopped at that cap (more pages followed); None as for `_listed_keys`."""
        where = self._where(endpoint, query)
        keys: list[tuple[str, ...]] = []
        pages = 0
        body: Any = None
        for exchange, body in self._walk(endpoint, query, cursor=cursor, max_pages=max_pages):
            pages += 1
            if exchange.error is not None:
                outcome.errors.append(f"{where.method} {where.url}: {exchange.error}")
                return None
            outcome.tested = True
            if not isinstance(body, dict) or not isinstance(body.get("items"), list):
                outcome.findings.append(self._finding(requirement, codes.PAGE_FAILED, f"{failed}（HTTP {exchange.status}）。", where))
                return None
            for item in body["items"]:
                record = item.get(RECORD_KEY) if isinstance(item, dict) else None
                if isinstance(record, dict):
                    keys.append(tuple(text_value(record.get(_field(table, name))) or "" for name in table.primary_key))
        return keys, pages == max_pages and next_cursor(body) is not None

    def _updated_since(self, requirement: ApiRequirement, table: Table, outcome: Outcome) -> None:
        listed = self._complete_list(table, outcome)
        if listed is None:
            return
        gathered, endpoint = listed
        stamped = [(entry, _instant(entry.updated_at)) for entry in gathered.entries]
        times = sorted({when for _, when in stamped if when is not None})
        if not times:
            outcome.not_tested = outcome.not_tested or f"{table.name}: updated_at のあるレコードがないため検査できません"
            return
        # The middle update time returns a subset (all, when every record shares one time); a time
        # after the last update must return nothing.
        for since in (times[len(times) // 2], times[-1] + datetime.timedelta(seconds=1)):
            stamp = since.isoformat()
            query = {"limit": str(self.contract.max_limit), "updated_since": stamp}
            where = self._where(endpoint, query)
            order = [entry.key for entry, when in stamped if when is not None and when >= since]
            expected = set(order)
            walked = self._window_keys(requirement, table, endpoint, query, outcome, "updated_since を付けた要求が失敗しました",
                                       max_pages=paging.UPDATED_SINCE_PAGES)
            if walked is None:
                return
            keys, capped = walked
            returned = set(keys)
            older = len(returned - expected)
            # A walk cut at the page cap is judged up to the furthest record it returned (in list order).
            reached = expected if not capped else set(order[: paging.reached(order, returned)])
            missing = len(reached - returned)
            if older:
                outcome.findings.append(self._finding(requirement, codes.NOT_FILTERED, f"updated_since より前に更新されたレコードが{older}件返りました。", where))
            if missing:
                outcome.findings.append(self._finding(requirement, codes.MISSING_UPDATED, f"updated_since 以降に更新されたレコードのうち{missing}件が返りませんでした。", where))


def _media_type(content_type: str) -> tuple[str, dict[str, str]]:
    mime, *rest = content_type.split(";")
    params = {}
    for part in rest:
        name, _, value = part.strip().partition("=")
        params[name.strip().lower()] = value.strip().strip('"')
    return mime.strip().lower(), params


def _instant(text: str | None) -> datetime.datetime | None:
    if text is None:
        return None
    try:
        when = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo is not None else None
