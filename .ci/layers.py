"""The layer rule where import-linter cannot see it (DESIGN.md, layers).

1. A template's `{% load %}` names only tag libraries of its own app or of apps below it
   (templates/<app>/... belongs to <app>; the site's own templates at the top of templates/
   may load any).
2. No reflection around the imports: production code never reaches a model through
   `.related_model` or `apps.get_model(...)` (migrations, which must, and tests are exempt).

The layer order is read from .importlinter's layers contract, so there is one copy of it.
Prints each violation as path:line and exits 1 if there is any.

    python .ci/layers.py [project root]
"""

from __future__ import annotations

import configparser
import re
import sys
from pathlib import Path

LOAD = re.compile(r"{%\s*load\s+([^%]*?)\s*%}")
REFLECTION = re.compile(r"\.related_model\b|\bapps\.get_model\(|\bget_model\(")


def layer_ranks(root: Path) -> tuple[dict[str, int], list[set[str]]]:
    """app -> rank (0 = top) from the layers contract, and the sets of apps that must stay
    independent (siblings in one layer, `a | b`, and independence contracts)."""
    config = configparser.ConfigParser()
    config.read(root / ".importlinter")
    ranks: dict[str, int] = {}
    independent: list[set[str]] = []
    for section in config.sections():
        contract = config[section]
        if contract.get("type") == "layers":
            lines = [line.strip() for line in contract["layers"].splitlines() if line.strip()]
            for rank, line in enumerate(lines):
                siblings = {name.strip() for name in line.split("|")}
                ranks.update(dict.fromkeys(siblings, rank))
                if len(siblings) > 1:
                    independent.append(siblings)
        elif contract.get("type") == "independence":
            independent.append({m.strip() for m in contract["modules"].splitlines() if m.strip()})
    return ranks, independent


def tag_libraries(root: Path, apps) -> dict[str, str]:
    """Tag library name -> the app that defines it."""
    return {
        module.stem: app
        for app in apps
        for module in (root / app / "templatetags").glob("*.py")
        if module.stem != "__init__"
    }


def may_use(user: str, owner: str, ranks: dict[str, int], independent: list[set[str]]) -> bool:
    if user == owner:
        return True
    if any({user, owner} <= group for group in independent):
        return False
    return ranks[owner] > ranks[user]


def template_violations(root: Path) -> list[str]:
    ranks, independent = layer_ranks(root)
    libraries = tag_libraries(root, ranks)
    found = []
    for path in sorted((root / "templates").rglob("*")):
        if not path.is_file():
            continue
        relative = path.relative_to(root / "templates")
        app = relative.parts[0] if len(relative.parts) > 1 else None
        if app not in ranks:
            continue  # the site's own templates (base, error pages, registration) may load any
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            for match in LOAD.finditer(line):
                for library in match.group(1).split():
                    owner = libraries.get(library)
                    if owner and not may_use(app, owner, ranks, independent):
                        found.append(
                            f"templates/{relative}:{number}: {{% load {library} %}} is "
                            f"{owner}'s tag library; {app} may load only its own and those "
                            "of apps below it"
                        )
    return found


def reflection_violations(root: Path) -> list[str]:
    ranks, _ = layer_ranks(root)
    found = []
    for app in sorted(ranks):
        for path in sorted((root / app).rglob("*.py")):
            parts = path.relative_to(root).parts
            if "migrations" in parts or "tests" in parts:
                continue
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if REFLECTION.search(line):
                    found.append(
                        f"{path.relative_to(root)}:{number}: reaches a model by reflection; "
                        "import it (from an app below) or read it through a reverse relation"
                    )
    return found


def main(root: Path) -> int:
    violations = template_violations(root) + reflection_violations(root)
    for violation in violations:
        print(violation)
    if violations:
        return 1
    print("Templates load only tag libraries of their app or below; no reflection around imports.")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()))
