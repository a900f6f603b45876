"""design.md's layers: an app imports only from layers below it — never up, never in a circle.
Imports inside functions count too: a lazy import up is still an import up (lower layers learn
of higher ones through hooks they define, as workflow does of catalog's services)."""

import ast
from pathlib import Path

import pishkhan

LAYERS = [
    ["core"],
    ["accounts", "notify"],
    ["workflow"],
    ["catalog"],
    ["offices"],
    ["cases"],
    ["licensing", "payments", "feedback"],
    ["education"],
    ["insights"],
    ["api"],
]
LEVEL = {app: level for level, apps in enumerate(LAYERS) for app in apps}
ROOT = Path(pishkhan.__file__).parent


def imports_between_apps() -> set[tuple[str, str, str]]:
    """(importing app, imported app, file) for every import of one app by another."""
    found = set()
    for path in ROOT.rglob("*.py"):
        app = path.relative_to(ROOT).parts[0]
        if app not in LEVEL:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            else:
                continue
            for module in modules:
                parts = module.split(".")
                other = parts[1] if parts[0] == "pishkhan" and len(parts) > 1 else ""
                if other in LEVEL and other != app:
                    found.add((app, other, str(path.relative_to(ROOT))))
    return found


def test_every_app_is_in_a_layer():
    apps = {p.name for p in ROOT.iterdir() if (p / "apps.py").exists()}
    assert apps == set(LEVEL)


def test_no_app_imports_a_layer_above_it():
    upward = sorted(
        f"{where}: {app} imports {other}"
        for app, other, where in imports_between_apps()
        if LEVEL[other] > LEVEL[app]
    )
    assert upward == []


def test_apps_of_one_layer_do_not_import_each_other_both_ways():
    pairs = {(app, other) for app, other, _ in imports_between_apps()}
    assert sorted(pair for pair in pairs if (pair[1], pair[0]) in pairs) == []
