"""The package's layers import only downward (docs/architecture.md): a layer that reaches back up
fails here, naming the module and the import."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "clipfinder"
SHARED = {"errors", "records", "text", "files"}
# what each layer may import, besides the shared modules and itself
MAY_IMPORT = {
    "pipeline": set(),
    "store": {"pipeline"},
    "jobs": {"pipeline", "store"},
    "read": {"pipeline", "store"},
    "coaching": {"pipeline", "store", "read"},
    "web": {"pipeline", "store", "read", "coaching"},
    "cli": {"pipeline", "store", "jobs", "read", "coaching", "web"},  # web: `clipfinder serve` starts it
}


def imported_layers(path: Path) -> set[tuple[str, str]]:
    """(layer, imported module) for every clipfinder import in a file, at any depth."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("clipfinder"):
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names if a.name.startswith("clipfinder")]
        for name in names:
            parts = name.split(".")
            if len(parts) > 1:
                found.add((parts[1], name))
    return found


@pytest.mark.parametrize("layer", sorted(MAY_IMPORT))
def test_a_layer_imports_only_the_layers_below_it(layer):
    allowed = MAY_IMPORT[layer] | SHARED | {layer}
    wrong = [
        f"{path.relative_to(PACKAGE.parent)} imports {name}"
        for path in sorted((PACKAGE / layer).glob("*.py"))
        for top, name in imported_layers(path)
        if top in MAY_IMPORT and top not in allowed
    ]
    assert not wrong, wrong


def test_the_shared_modules_import_no_layer():
    for name in SHARED:
        assert not {top for top, _ in imported_layers(PACKAGE / f"{name}.py")} & set(MAY_IMPORT), name
