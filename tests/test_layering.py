"""Domain code never imports the layers that present it (API, schemas, pages)."""

import ast
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src" / "tandem"
DOMAIN_MODULES = sorted(
    path
    for pattern in ("*/models.py", "*/services.py", "*/queries.py", "*/lifecycle.py", "*/funnel.py")
    for path in SOURCE.glob(pattern)
) + sorted((SOURCE / "leads" / "imports").glob("*.py"))
PRESENTATION = ("api", "schemas", "views", "forms")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def is_presentation(module: str) -> bool:
    parts = module.split(".")
    return parts[0] == "tandem" and (parts[-1] in PRESENTATION or module == "tandem.api")


@pytest.mark.parametrize("path", DOMAIN_MODULES, ids=lambda path: str(path.relative_to(SOURCE)))
def test_domain_module_imports_no_presentation_layer(path: Path) -> None:
    offending = sorted(module for module in imported_modules(path) if is_presentation(module))

    assert offending == []


def test_the_check_covers_the_domain_modules() -> None:
    names = {str(path.relative_to(SOURCE)) for path in DOMAIN_MODULES}

    assert {"leads/lifecycle.py", "leads/services.py", "leads/imports/olist.py"} <= names
