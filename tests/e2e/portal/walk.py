"""Browser helpers for the portal walk: dev sign-in, and for every page an axe-core run
(serious and critical violations are collected) and a full-page screenshot."""
from __future__ import annotations

import json
from pathlib import Path

BLOCKING = ("serious", "critical")
AXE_RUN = """async () => {
  const r = await axe.run(document, {resultTypes: ['violations']});
  return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => ({target: n.target.join(' '), summary: n.failureSummary}))}));
}"""


class Walk:
    def __init__(self, page, base: str, artifacts: Path):
        self.page, self.base, self.artifacts = page, base, artifacts
        self.count = 0
        self.violations: dict[str, list] = {}
        self.csp_errors: list[str] = []
        self.report: dict[str, list] = {}
        page.on("console", self._console)

    def _console(self, msg) -> None:
        if msg.type == "error" and "Content Security Policy" in msg.text:
            self.csp_errors.append(f"{self.page.url}: {msg.text}")

    def go(self, path: str):
        return self.page.goto(self.base + path)

    def sign_in(self, sub: str, role: str) -> None:
        self.go("/dev/login")
        with self.page.expect_navigation():
            self.page.click(f'button[data-sub="{sub}"][data-role="{role}"]')

    def sign_out(self) -> None:
        with self.page.expect_navigation():
            self.page.click(".signout button[type=submit]")

    def check(self, name: str) -> list:
        """axe-core on the page as it is now, then a screenshot (test-artifacts/portal)."""
        self.page.wait_for_load_state("load")
        self.count += 1
        found = self.page.evaluate(AXE_RUN)
        self.report[name] = found
        blocking = [v for v in found if v["impact"] in BLOCKING]
        if blocking:
            self.violations[name] = blocking
        self.page.screenshot(path=str(self.artifacts / f"{self.count:02d}-{name}.png"), full_page=True)
        return blocking

    def finish(self) -> None:
        (self.artifacts / "axe-report.json").write_text(json.dumps(self.report, indent=1))
        assert not self.violations, "axe-core found serious/critical violations:\n" + json.dumps(
            self.violations, indent=1)
        assert not self.csp_errors, "Content-Security-Policy violations:\n" + "\n".join(self.csp_errors)
