"""`dxltools audit` and failover: the `failover` key of `--json`, `--down`, the verdict
lines and the exit statuses, on the bundled directory export."""

from __future__ import annotations

import json
from typing import Any

from tests.clitools import NAMES, SERVERS, dxltools, error_line, invoke

COEX1, COEX2 = "CN=DominoCoex1/O=Acme", "CN=DominoCoex2/O=Acme"
APP, HUB, MAIL = "CN=DominoApp1/O=Acme", "CN=DominoHub1/O=Acme", "CN=DominoMail1/O=Acme"
EVERY = (APP, COEX1, COEX2, HUB, MAIL)
AFTER = ("--after", "coexistence-readers", "--set", SERVERS)
FAILS_AT_COEX1 = f"fails at {COEX1}: {COEX1} sees the document of {COEX2} first and does not relay"
SCENARIO_KEYS = {"domain", "down", "routes", "mail_ok", "free_busy_ok"}
ROUTE_KEYS = {"server", "mail", "mail_held", "free_busy", "free_busy_failure"}


def audit_json(*args: str, status: int) -> dict[str, Any]:
    result = invoke(["audit", "--json", *args])
    assert result.exit_code == status, result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def check_schema(scenario: dict[str, Any]) -> None:
    """The README's schema: keys, types, canonical sorted names, null where it fails."""
    assert set(scenario) == SCENARIO_KEYS
    assert isinstance(scenario["domain"], str)
    down = scenario["down"]
    assert all(isinstance(name, str) and name.startswith("CN=") for name in down)
    assert down == sorted(down, key=str.casefold)
    servers = [route["server"] for route in scenario["routes"]]
    assert servers == sorted(servers, key=str.casefold)
    assert not set(servers) & set(down)
    for route in scenario["routes"]:
        assert set(route) == ROUTE_KEYS
        assert route["mail"] is None or route["mail"] in servers
        assert route["free_busy"] is None or route["free_busy"] in servers
        # mail_held and free_busy_failure say why exactly when the route stops.
        assert (route["mail"] is None) == isinstance(route["mail_held"], str)
        assert (route["free_busy"] is None) == isinstance(route["free_busy_failure"], str)
    assert scenario["mail_ok"] is all(r["mail"] is not None for r in scenario["routes"])
    assert scenario["free_busy_ok"] is all(r["free_busy"] is not None for r in scenario["routes"])


def routes(scenario: dict[str, Any]) -> dict[str, tuple[str | None, str | None, str | None]]:
    return {
        route["server"]: (route["mail"], route["free_busy"], route["free_busy_failure"])
        for route in scenario["routes"]
    }


def test_the_default_scenarios_before_the_fix() -> None:
    report = audit_json(str(NAMES), status=1)
    scenarios = report["failover"]
    for scenario in scenarios:
        check_schema(scenario)
    assert [(s["domain"], s["down"]) for s in scenarios] == [
        ("BTEx", []),
        ("BTEx", [COEX1]),
        ("BTEx", [COEX2]),
    ]
    nothing, coex1_down, coex2_down = scenarios
    # Nobody reads a readers field: everyone uses DominoCoex2's document, the newest.
    assert routes(nothing) == dict.fromkeys(EVERY, (COEX2, COEX2, None))
    assert routes(coex1_down) == {
        server: (COEX2, COEX2, None) for server in EVERY if server != COEX1
    }
    assert routes(coex2_down) == {
        server: (COEX1, None, FAILS_AT_COEX1) for server in EVERY if server != COEX2
    }
    assert (coex2_down["mail_ok"], coex2_down["free_busy_ok"]) == (True, False)
    failing = [p for p in report["problems"] if p["code"].startswith("failover-")]
    assert failing == [
        {
            "code": "failover-free-busy-fails",
            "message": f"BTEx with {COEX2} down: free/busy from {APP}, {COEX1}, {HUB}, {MAIL} "
            + FAILS_AT_COEX1,
            "domain": "BTEx",
            "unid": None,
            "server": COEX1,
        }
    ]
    assert set(report) == {"domains", "problems", "failover", "fix", "skipped"}


def test_the_default_scenarios_after_the_fix_survive() -> None:
    report = audit_json(*AFTER, str(NAMES), status=0)
    nothing, coex1_down, coex2_down = report["failover"]
    for scenario in report["failover"]:
        check_schema(scenario)
        assert scenario["mail_ok"] and scenario["free_busy_ok"]
    ordinary = (APP, HUB, MAIL)
    assert routes(nothing) == {
        **dict.fromkeys(ordinary, (COEX2, COEX2, None)),
        COEX1: (COEX1, COEX1, None),
        COEX2: (COEX2, COEX2, None),
    }
    assert routes(coex2_down) == dict.fromkeys((*ordinary, COEX1), (COEX1, COEX1, None))
    assert routes(coex1_down) == dict.fromkeys((*ordinary, COEX2), (COEX2, COEX2, None))
    assert report["problems"] == []


def test_down_gives_one_scenario_per_domain() -> None:
    report = audit_json("--down", "dominocoex2/ACME", str(NAMES), status=1)
    (scenario,) = report["failover"]
    check_schema(scenario)
    assert scenario["down"] == [COEX2]
    assert routes(scenario) == {
        server: (COEX1, None, FAILS_AT_COEX1) for server in EVERY if server != COEX2
    }
    fixed = audit_json("--down", "DominoCoex2/Acme", *AFTER, str(NAMES), status=0)
    (after,) = fixed["failover"]
    check_schema(after)
    assert routes(after) == dict.fromkeys((APP, COEX1, HUB, MAIL), (COEX1, COEX1, None))


def test_down_of_several_servers_and_of_an_ordinary_one() -> None:
    both = audit_json("--down", COEX2, "--down", "DominoCoex1/Acme", *AFTER, str(NAMES), status=0)
    (scenario,) = both["failover"]
    check_schema(scenario)
    assert scenario["down"] == [COEX1, COEX2]
    assert {server: route[:2] for server, route in routes(scenario).items()} == dict.fromkeys(
        (APP, HUB, MAIL), (None, None)
    )
    assert both["problems"] == []  # no coexistence server left up: not a failover problem
    ordinary = audit_json("--down", "DominoMail1/Acme", *AFTER, str(NAMES), status=0)
    (scenario,) = ordinary["failover"]
    assert scenario["down"] == [MAIL]
    assert MAIL not in routes(scenario)
    assert routes(scenario)[APP] == (COEX2, COEX2, None)


def test_the_text_shows_the_routes_and_the_verdict() -> None:
    before = invoke(["audit", str(NAMES)])
    assert before.exit_code == 1
    lines = before.stdout.splitlines()
    assert f"  with {COEX2} down:" in lines
    assert f"    {APP}   mail {COEX1}  free/busy {FAILS_AT_COEX1}" in lines
    assert (
        f"  failover: the loss of {COEX2} breaks free/busy (fails at {COEX1} for 4 servers); "
        "mail survives the loss of any one coexistence server"
    ) in lines
    after = invoke(["audit", *AFTER, str(NAMES)])
    assert after.exit_code == 0
    assert (
        "  failover: survives the loss of any one coexistence server (mail, free/busy)"
        in after.stdout.splitlines()
    )


def test_down_of_an_unknown_server_is_exit_2_listing_the_known_servers() -> None:
    result = invoke(["audit", "--down", "DominoCoex3/Acme", str(NAMES)])
    assert result.exit_code == 2
    assert result.stdout == ""
    line = error_line(result.stderr)
    assert line == (
        "dxltools: --down: DominoCoex3/Acme is no server known to the exports; known servers: "
        + ", ".join(EVERY)
    )
    as_json = invoke(["audit", "--json", "--down", "Nobody", str(NAMES)])
    assert as_json.exit_code == 2
    assert as_json.stdout == ""


def test_the_installed_command_exits_with_the_failover_statuses() -> None:
    assert dxltools(["audit", "--down", "DominoCoex2/Acme", str(NAMES)]).returncode == 1
    fixed = dxltools(["audit", "--down", "DominoCoex2/Acme", *AFTER, str(NAMES)])
    assert fixed.returncode == 0, fixed.stderr
    assert b"survives" not in fixed.stdout  # --down: what the chosen loss breaks
    assert b"nothing breaks that works with every server up" in fixed.stdout
    assert dxltools(["audit", "--down", "DominoCoex9/Acme", str(NAMES)]).returncode == 2
