"""Every hook of the contract is documented in docs/plugins.md, with an example."""

import inspect
import re

from crm_platform.config import PROJECT_ROOT
from crm_platform.plugins import hookspecs

DOC = (PROJECT_ROOT / "docs" / "plugins.md").read_text()


def hook_names():
    return sorted(name for name, obj in inspect.getmembers(hookspecs) if name.startswith("crm_") and callable(obj))


def test_the_contract_has_hooks():
    assert len(hook_names()) >= 25


def test_every_hook_has_a_section_with_an_example():
    missing = []
    for name in hook_names():
        match = re.search(rf"^#### `{name}`\n(.*?)(?=^#|\Z)", DOC, re.S | re.M)
        if not match or "```python" not in match.group(1) or f"def {name}(" not in match.group(1):
            missing.append(name)
    assert missing == [], f"hooks without a documented example in docs/plugins.md: {missing}"


def test_every_hook_and_parameter_has_a_docstring():
    for name in hook_names():
        spec = getattr(hookspecs, name)
        doc = spec.__doc__ or ""
        assert doc.strip(), name
        for param in inspect.signature(spec).parameters:
            assert f":param {param}:" in doc, f"{name}: parameter {param} is undocumented"


def test_documented_hooks_exist():
    documented = set(re.findall(r"^#### `(crm_[a-z_]+)`", DOC, re.M))
    assert documented == set(hook_names())
