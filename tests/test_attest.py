"""Issue 21, attestation: the suite's identity in the result, keygen, attest (in-toto Statement v1 in a
DSSE envelope, Ed25519) and verify's four checks, each tamper case with its own message."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import stat
import subprocess
from pathlib import Path

import jsonschema
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from conformance import __version__
from conformance.attest import pae
from conformance.results import RunResult
from conformance.spec import load, specs_root
from conformance.spec.files import used_files
from tests.conftest import FIXTURE_AS_OF, FIXTURES, ROOT, cli

CASE = FIXTURES / "juki" / "invalid" / "juki-c-0001"
JUKI_FILES = [
    "common/characters/mj-code-points.txt", "common/characters/mj-sequences.txt",
    "common/codes/dai30jo45-kubun.schema.json", "common/codes/gengo.schema.json", "common/codes/jumin-jotai.schema.json",
    "common/codes/jumin-shubetsu.schema.json", "common/codes/sex.schema.json", "common/codes/zokugara.schema.json",
    "common/defs.schema.json", "juki/schemas/ido-rireki.schema.json", "juki/schemas/jumin.schema.json",
    "juki/schemas/setai.schema.json", "juki/spec.yaml",
]
# One message per check outcome; each tamper case must show its own and none of the others.
SIGNED_BY_OTHER_KEY = "指定の公開鍵とは別の鍵で署名されています"
ALTERED_ENVELOPE = "署名が内容と一致しません"
RESULT_CHANGED = "結果ファイルが証明されたものと異なります"
EXPORT_CHANGED = "入力ファイルが検査されたものと異なります"
SUITE_DIFFERS = "結果を作ったスイートとインストール済みのスイートが異なります"
MISMATCHES = (SIGNED_BY_OTHER_KEY, ALTERED_ENVELOPE, RESULT_CHANGED, EXPORT_CHANGED, SUITE_DIFFERS)


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """keygen, then one run of a copy of a fixture case with --attest-key: the folder holding it all."""
    folder = tmp_path_factory.mktemp("attest")
    shutil.copytree(CASE, folder / "export", ignore=shutil.ignore_patterns("expected.yaml"))
    assert cli("keygen", "--output", folder / "signer").code == 0
    outcome = cli("run", folder / "export", "--spec", "juki", "--as-of", FIXTURE_AS_OF.isoformat(),
                  "--attest-key", folder / "signer.key.pem", "--output", folder / "out", "--quiet")
    assert outcome.code == 1, outcome.err  # the case fails JUKI-C-0001
    return folder


def _verify(folder: Path, attestation: Path | None = None, pubkey: Path | None = None, result: Path | None = None,
            target: Path | None = None):
    return cli("verify", attestation or folder / "out" / "conformance.intoto.jsonl",
               "--pubkey", pubkey or folder / "signer.pub.pem",
               "--result", result or folder / "out" / "conformance.json", "--target", target or folder / "export")


def _lines(output: str) -> list[str]:
    """The status mark and check name of each check line."""
    return [line.split(":")[0] for line in output.splitlines() if line[:2] in ("OK", "NG", "--")]


def _only(output: str, message: str) -> None:
    assert message in output
    assert [other for other in MISMATCHES if other != message and other in output] == []


def test_result_records_every_spec_file_used_with_its_digest(signed: Path) -> None:
    data = json.loads((signed / "out" / "conformance.json").read_text(encoding="utf-8"))
    schema = json.loads((ROOT / "conformance" / "report.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(data)
    files = data["suite"]["files"]
    assert [file["path"] for file in files] == JUKI_FILES
    assert all(file["sha256"] == hashlib.sha256((specs_root() / file["path"]).read_bytes()).hexdigest() for file in files)
    # The documented recipe, run for real: sha256sum FILE… | LC_ALL=C sort -k2 | sha256sum, in specs/.
    listing = subprocess.run(["sha256sum", *JUKI_FILES], cwd=specs_root(), capture_output=True, check=True).stdout
    lines = b"".join(sorted(listing.splitlines(keepends=True), key=lambda line: line.split(b"  ", 1)[1]))
    assert data["suite"]["digest"] == "sha256:" + hashlib.sha256(lines).hexdigest()
    assert RunResult.from_dict(data).to_dict() == data  # round trip


def test_reports_show_the_short_suite_digest(signed: Path) -> None:
    result = RunResult.from_dict(json.loads((signed / "out" / "conformance.json").read_text(encoding="utf-8")))
    short = result.suite_digest[: len("sha256:") + 12] if result.suite_digest else ""
    label = f"jichitai-conformance {__version__}（仕様ファイル 13件 {short}）"
    for name in ("console", "markdown", "html"):
        assert label in cli("report", signed / "out" / "conformance.json", "--format", name).out, name
    from openpyxl import load_workbook

    assert cli("report", signed / "out" / "conformance.json", "--format", "xlsx", "--output", signed / "r.xlsx").code == 0
    cells = {cell.value for sheet in load_workbook(signed / "r.xlsx", read_only=True) for row in sheet.iter_rows() for cell in row}
    assert label in cells


def test_api_mode_uses_the_contract_and_the_api_cases() -> None:
    assert used_files([load("inkan")], specs_root(), api=True) == (
        "common/api-cases.yaml", "common/codes/inkan-jotai.schema.json", "common/defs.schema.json",
        "inkan/api-cases.yaml", "inkan/openapi.yaml", "inkan/schemas/inkan-toroku.schema.json", "inkan/spec.yaml")


def test_a_recorded_spec_path_never_leaves_the_specs_root() -> None:
    from conformance.spec.files import file_digests

    assert file_digests(["../pyproject.toml", "/etc/hostname", "juki/none.yaml"], specs_root()) == {
        "../pyproject.toml": None, "/etc/hostname": None, "juki/none.yaml": None}


def test_keygen_writes_a_0600_private_key_and_never_prints_it(signed: Path, tmp_path: Path) -> None:
    assert stat.S_IMODE((signed / "signer.key.pem").stat().st_mode) == 0o600
    assert (signed / "signer.key.pem").read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    outcome = cli("keygen", "--output", tmp_path / "k")
    assert outcome.code == 0 and "PRIVATE KEY" not in outcome.out + outcome.err
    again = cli("keygen", "--output", tmp_path / "k")
    assert again.code == 2 and "already exists" in again.err


def test_pae_is_the_dsse_test_vector() -> None:
    # github.com/secure-systems-lab/dsse protocol.md, "Test Vectors".
    assert pae("http://example.com/HelloWorld", b"hello world") == b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"


def test_envelope_and_statement_follow_dsse_and_in_toto(signed: Path) -> None:
    envelope = json.loads((signed / "out" / "conformance.intoto.jsonl").read_text(encoding="ascii"))
    document = (signed / "out" / "conformance.json").read_bytes()
    result = json.loads(document)
    public_pem = (signed / "signer.pub.pem").read_bytes()
    public_key = serialization.load_pem_public_key(public_pem)
    assert isinstance(public_key, Ed25519PublicKey)
    payload = base64.b64decode(envelope["payload"])
    assert envelope["payloadType"] == "application/vnd.in-toto+json"
    [signature] = envelope["signatures"]
    # keyid: SHA-256 of the DER SubjectPublicKeyInfo (the PEM's body); PAE written out here, not imported.
    assert signature["keyid"] == hashlib.sha256(base64.b64decode(b"".join(public_pem.splitlines()[1:-1]))).hexdigest()
    public_key.verify(base64.b64decode(signature["sig"]),
                      b"DSSEv1 28 application/vnd.in-toto+json %d %s" % (len(payload), payload))
    statement = json.loads(payload)
    assert statement["_type"] == "https://in-toto.io/Statement/v1"
    assert statement["predicateType"] == "https://jichitai-conformance.invalid/attestation/conformance-result/v1"
    assert statement["subject"] == [{"name": f["path"], "digest": {"sha256": f["sha256"]}} for f in result["target"]["files"]]
    assert [s["name"] for s in statement["subject"]] == ["住民.csv", "世帯.csv", "異動履歴.csv"]
    predicate = statement["predicate"]
    assert predicate["result"] == {"name": "conformance.json", "digest": {"sha256": hashlib.sha256(document).hexdigest()},
                                   "reportVersion": "1.2"}
    assert predicate["suite"] == {"name": "jichitai-conformance", "version": __version__, "digest": result["suite"]["digest"]}
    assert [d["name"] for d in predicate["specFiles"]] == JUKI_FILES
    assert predicate["summary"] == result["summary"] and predicate["summary"]["verdict"] == "fail"
    assert [r["id"] for r in predicate["requirements"] if r["verdict"] == "fail"] == ["JUKI-C-0001"]
    assert len(predicate["requirements"]) == len(result["requirements"])


def test_round_trip_passes_all_four_checks(signed: Path) -> None:
    outcome = _verify(signed)
    assert outcome.code == 0, outcome.out + outcome.err
    assert _lines(outcome.out) == ["OK  署名 signature", "OK  結果 result", "OK  入力 target", "OK  スイート suite"]
    assert "検証 verification: 合格 passed" in outcome.out


def test_a_tampered_result_is_named(signed: Path, tmp_path: Path) -> None:
    data = json.loads((signed / "out" / "conformance.json").read_text(encoding="utf-8"))
    next(r for r in data["requirements"] if r["id"] == "JUKI-C-0001")["verdict"] = "pass"
    (tmp_path / "conformance.json").write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    outcome = _verify(signed, result=tmp_path / "conformance.json")
    assert outcome.code == 1
    assert _lines(outcome.out) == ["OK  署名 signature", "NG  結果 result", "OK  入力 target", "OK  スイート suite"]
    _only(outcome.out, RESULT_CHANGED)
    assert "JUKI-C-0001: 証明 fail → 結果 pass" in outcome.out


def test_a_swapped_input_file_is_named(signed: Path, tmp_path: Path) -> None:
    shutil.copytree(signed / "export", tmp_path / "export")
    shutil.copy(FIXTURES / "juki" / "valid" / "住民.csv", tmp_path / "export" / "住民.csv")
    outcome = _verify(signed, target=tmp_path / "export")
    assert outcome.code == 1
    assert _lines(outcome.out) == ["OK  署名 signature", "OK  結果 result", "NG  入力 target", "OK  スイート suite"]
    _only(outcome.out, EXPORT_CHANGED)
    assert "住民.csv: SHA-256 が異なります" in outcome.out
    (tmp_path / "export" / "世帯.csv").unlink()
    assert "世帯.csv: ファイルがありません" in _verify(signed, target=tmp_path / "export").out


def test_a_different_suite_version_is_named(signed: Path, tmp_path: Path) -> None:
    # A result as another suite made it: its version and one spec file differ; validly signed all the same.
    data = json.loads((signed / "out" / "conformance.json").read_text(encoding="utf-8"))
    data["suite"]["version"] = "0.0.9"
    next(f for f in data["suite"]["files"] if f["path"] == "juki/spec.yaml")["sha256"] = "0" * 64
    (tmp_path / "conformance.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    attested = cli("attest", tmp_path / "conformance.json", "--key", signed / "signer.key.pem",
                   "--output", tmp_path / "a.intoto.jsonl")
    assert attested.code == 0, attested.err
    outcome = _verify(signed, attestation=tmp_path / "a.intoto.jsonl", result=tmp_path / "conformance.json")
    assert outcome.code == 1
    assert _lines(outcome.out) == ["OK  署名 signature", "OK  結果 result", "OK  入力 target", "NG  スイート suite"]
    _only(outcome.out, SUITE_DIFFERS)
    assert f"スイートの版: 証明 0.0.9、インストール済み {__version__}" in outcome.out
    assert "juki/spec.yaml: SHA-256 が異なります" in outcome.out


def test_a_wrong_key_is_named(signed: Path, tmp_path: Path) -> None:
    assert cli("keygen", "--output", tmp_path / "other").code == 0
    outcome = _verify(signed, pubkey=tmp_path / "other.pub.pem")
    assert outcome.code == 1
    assert _lines(outcome.out) == ["NG  署名 signature", "--  結果 result", "--  入力 target", "--  スイート suite"]
    _only(outcome.out, SIGNED_BY_OTHER_KEY)


def test_an_altered_envelope_is_named(signed: Path, tmp_path: Path) -> None:
    envelope = json.loads((signed / "out" / "conformance.intoto.jsonl").read_text(encoding="ascii"))
    statement = json.loads(base64.b64decode(envelope["payload"]))
    statement["predicate"]["summary"]["verdict"] = "pass"
    envelope["payload"] = base64.urlsafe_b64encode(json.dumps(statement).encode()).decode().rstrip("=")
    (tmp_path / "a.intoto.jsonl").write_text(json.dumps(envelope), encoding="ascii")
    outcome = _verify(signed, attestation=tmp_path / "a.intoto.jsonl")
    assert outcome.code == 1
    assert _lines(outcome.out)[0] == "NG  署名 signature"
    _only(outcome.out, ALTERED_ENVELOPE)


def test_unreadable_inputs_exit_2_with_their_location(signed: Path, tmp_path: Path) -> None:
    (tmp_path / "not.jsonl").write_text("not json", encoding="utf-8")
    cases = {
        "not a DSSE envelope": _verify(signed, attestation=tmp_path / "not.jsonl"),
        "not a PEM public key": _verify(signed, pubkey=signed / "out" / "conformance.json"),
        f"{tmp_path / 'missing.pem'}: 公開鍵を読めません": _verify(signed, pubkey=tmp_path / "missing.pem"),
        f"{tmp_path / 'none.json'}: 読めません": _verify(signed, result=tmp_path / "none.json"),
        f"{tmp_path / 'gone'}: ありません": _verify(signed, target=tmp_path / "gone"),
    }
    for message, outcome in cases.items():
        assert (outcome.code, outcome.out) == (2, ""), message
        assert message in outcome.err and "Traceback" not in outcome.err, outcome.err


def test_attest_refuses_a_result_without_spec_digests(signed: Path, tmp_path: Path) -> None:
    data = json.loads((signed / "out" / "conformance.json").read_text(encoding="utf-8"))
    del data["suite"]["files"], data["suite"]["digest"]
    data["report_version"] = "1.1"
    (tmp_path / "old.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    outcome = cli("attest", tmp_path / "old.json", "--key", signed / "signer.key.pem", "--output", tmp_path / "a.jsonl")
    assert outcome.code == 2 and "records no spec-file digests" in outcome.err
    assert not (tmp_path / "a.jsonl").exists()


def test_run_with_an_unreadable_key_stops_before_the_run(signed: Path, tmp_path: Path) -> None:
    outcome = cli("run", signed / "export", "--spec", "juki", "--attest-key", signed / "signer.pub.pem",
                  "--output", tmp_path / "out", "--quiet")
    assert outcome.code == 2 and "not a PEM private key" in outcome.err
    assert not (tmp_path / "out").exists()
