"""`dxltools audit` and the audit `run coexistence-readers` makes of its own result."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.clitools import (
    BTEX_UNIDS,
    COEX,
    FOREIGN,
    NAMES,
    SERVERS,
    copy,
    error_line,
    invoke,
)

COEX1, COEX2 = "CN=DominoCoex1/O=Acme", "CN=DominoCoex2/O=Acme"
OWN = {COEX1: BTEX_UNIDS[0], COEX2: BTEX_UNIDS[1]}
ORDINARY = ("CN=DominoApp1/O=Acme", "CN=DominoHub1/O=Acme", "CN=DominoMail1/O=Acme")
AFTER = ("--after", "coexistence-readers", "--set", SERVERS)


def audit_json(*args: str, status: int) -> dict[str, Any]:
    result = invoke(["audit", "--json", *args])
    assert result.exit_code == status, result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def codes(report: dict[str, Any]) -> list[tuple[str, str | None, str | None]]:
    return sorted((p["code"], p["unid"], p["server"]) for p in report["problems"])


def views(report: dict[str, Any]) -> dict[str, list[str]]:
    (domain,) = report["domains"]
    assert domain["domain"] == "BTEx"
    return {view["server"]: view["visible"] for view in domain["servers"]}


def assert_fixed(report: dict[str, Any]) -> None:
    assert report["problems"] == []
    seen = views(report)
    for server, unid in OWN.items():
        assert seen[server] == [unid]
    for server in ORDINARY:
        assert sorted(seen[server]) == sorted(BTEX_UNIDS)


def test_audit_before_the_fix_finds_document_access_and_multiple_visible() -> None:
    report = audit_json(str(NAMES), status=1)
    found = codes(report)
    for unid in BTEX_UNIDS:
        assert ("document-access-present", unid, None) in found
    multiple = {server for code, _, server in found if code == "multiple-visible"}
    assert multiple == {COEX1, COEX2}
    assert all(sorted(v) == sorted(BTEX_UNIDS) for v in views(report).values())
    (domain,) = report["domains"]
    assert {d["unid"]: d["readable_by"] for d in domain["documents"]} == {
        unid: ["*"] for unid in BTEX_UNIDS
    }


def test_audit_after_the_fix_has_no_problem(tmp_path: Path) -> None:
    target = copy(NAMES, tmp_path / "names.dxl")
    assert invoke([*COEX, "-i", str(target)]).exit_code == 0
    assert_fixed(audit_json(str(target), status=0))
    text = invoke(["audit", str(target)])
    assert text.exit_code == 0
    assert text.stdout.endswith("no problem found\n")
    assert f"{COEX1}  uses {BTEX_UNIDS[0]}\n" in text.stdout


def test_audit_after_is_a_what_if_that_writes_nothing(tmp_path: Path) -> None:
    target = copy(NAMES, tmp_path / "names.dxl")
    assert_fixed(audit_json(*AFTER, str(target), status=0))
    assert target.read_bytes() == NAMES.read_bytes()
    text = invoke(["audit", *AFTER, str(target)])
    assert text.stdout.startswith("after coexistence-readers (nothing written):\n")


def test_audit_combines_exports_later_ones_win(tmp_path: Path) -> None:
    fixed = copy(FOREIGN, tmp_path / "foreign-domains.dxl")
    assert invoke([*COEX, "-i", str(fixed)]).exit_code == 0
    # The directory (groups, servers, ACL) in one file, the fixed documents in another.
    assert_fixed(audit_json(str(NAMES), str(fixed), status=0))
    assert audit_json(str(fixed), str(NAMES), status=1)["problems"]


def test_audit_domain_and_domain_type_filters() -> None:
    other = audit_json("--domain", "NoSuchDomain", str(NAMES), status=1)  # warned: no such domain
    assert other == {"domains": [], "problems": [], "failover": [], "fix": None, "skipped": []}
    smtp = invoke(["audit", "--domain-type", "ForeignSMTPDomain", str(NAMES)])
    assert smtp.exit_code == 1
    assert smtp.stdout.startswith("Internet: 1 document")


def test_audit_reads_stdin_and_refuses_unreadable_inputs(tmp_path: Path) -> None:
    piped = invoke(["audit", "--json"], stdin=NAMES.read_bytes())
    assert piped.exit_code == 1
    assert json.loads(piped.stdout)["domains"][0]["domain"] == "BTEx"
    missing = invoke(["audit", str(NAMES), str(tmp_path / "missing.dxl")])
    assert missing.exit_code == 2
    assert missing.stdout == ""
    assert "missing.dxl: no such file" in error_line(missing.stderr)
    stray = invoke(["audit", "--set", SERVERS, str(NAMES)])
    assert stray.exit_code == 2
    assert "--after" in error_line(stray.stderr)


LEAKY = ("run", "coexistence-readers", "--set", "servers_group=LocalDomainServers")


def test_run_refuses_a_result_that_lets_a_coexistence_server_see_its_twin(
    tmp_path: Path,
) -> None:
    target = copy(NAMES, tmp_path / "names.dxl")
    for mode in (["-i"], ["--check"], ["--diff"], []):
        result = invoke([*LEAKY, *mode, str(target)])
        assert result.exit_code == 2, mode
        assert result.stdout == ""
        line = error_line(result.stderr)
        assert "refusing to write" in line and "multiple-visible" in line
        assert COEX1 in line and "--no-audit" in line
        assert target.read_bytes() == NAMES.read_bytes()
    forced = invoke([*LEAKY, "-i", "-q", "--no-audit", str(target)])
    assert forced.exit_code == 0, forced.stderr
    assert b"<text>LocalDomainServers</text>" in target.read_bytes()
    assert audit_json(str(target), status=1)["problems"]
