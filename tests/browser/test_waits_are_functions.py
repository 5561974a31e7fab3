"""Every ``wait_for_function`` in the browser tests waits on a function, never on a bare expression.

Playwright evaluates the string with ``eval``. A function is evaluated once, inside Playwright's own evaluation,
which the page's Content-Security-Policy does not govern; a bare expression is evaluated again at every poll, from
the page's animation frames, where our policy (``script-src 'self'``, no ``'unsafe-eval'``) refuses it. Such a wait
passes while its condition already holds at the first look and fails with an ``EvalError`` when it has to poll —
a test that fails only on a slow machine.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def waited_on(tree: ast.Module):
    """(line, text) of each string a ``wait_for_function`` call is given, module constants resolved."""
    constants = {
        target.id: node.value
        for node in tree.body if isinstance(node, ast.Assign)
        for target in node.targets if isinstance(target, ast.Name)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "wait_for_function" and node.args:
            argument = node.args[0]
            if isinstance(argument, ast.Name):
                argument = constants.get(argument.id, argument)
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                yield node.lineno, argument.value
            elif isinstance(argument, ast.JoinedStr) and argument.values and isinstance(argument.values[0], ast.Constant):
                yield node.lineno, str(argument.values[0].value)


def is_function(text: str) -> bool:
    text = text.lstrip()
    return text.startswith(("(", "function", "async")) or text.split("=>")[0].strip().isidentifier()


def test_every_wait_for_function_in_the_tests_is_given_a_function():
    files = [path for path in ROOT.glob("**/test*.py") if ".venv" not in path.parts and "node_modules" not in path.parts]
    waits = [(path, line, text) for path in files for line, text in waited_on(ast.parse(path.read_text()))]
    assert len(waits) > 40  # the browser tests wait on many; finding none would mean this reads nothing
    bare = [f"{path.relative_to(ROOT)}:{line}: {text[:60]}" for path, line, text in waits if not is_function(text)]
    assert bare == [], "wait on a function ('() => …') or a locator (expect(...).to_be_focused()):\n" + "\n".join(bare)


def test_the_check_tells_an_expression_from_a_function():
    module = ast.parse('READY = "document.title"\npage.wait_for_function(READY)\npage.wait_for_function(f"() => {x}")\n')
    assert [(line, is_function(text)) for line, text in waited_on(module)] == [(2, False), (3, True)]
