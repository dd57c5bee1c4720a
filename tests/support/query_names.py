"""The query names code hands to the database, found by reading it (ast).

A name counts when it is a literal argument of ``execute``/``fetchone``/
``fetchall``/``q``, a literal bound to the variable passed there (in the function
or at module level), or a literal passed to a function that forwards one of its
parameters there (``_transition("approval_decide", ...)``). A string with a space
or capitals is SQL run on a driver connection, not a name. Whatever the reader
cannot trace is reported, so a new indirection makes the test fail rather than
pass unseen.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

QUERY_METHODS = frozenset({"execute", "fetchone", "fetchall", "q"})
# The database classes themselves forward `query` to the driver.
PLUMBING = QUERY_METHODS | {"_check", "run_script", "_run_steps"}
NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


def _literal(node) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _assigned(scope) -> dict[str, list[ast.expr]]:
    found: dict[str, list[ast.expr]] = {}
    for node in ast.walk(scope):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found.setdefault(target.id, []).append(node.value)
    return found


def _strings(node) -> list[str]:
    return [s for s in (_literal(n) for n in ast.walk(node)) if s is not None]


class QueryNames:
    def __init__(self, paths) -> None:
        self.used: set[str] = set()
        self.untraced: list[str] = []
        self._forwarders: dict[str, int] = {}  # function -> call-site position of its query argument
        trees = {str(p): ast.parse(Path(p).read_text()) for p in paths}
        for path, tree in trees.items():
            module = _assigned(ast.Module(body=[n for n in tree.body if isinstance(n, ast.Assign)], type_ignores=[]))
            for fn in ast.walk(tree):
                if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    self._read_function(path, fn, module)
        for path, tree in trees.items():
            self._read_forwarded(path, tree)

    def _add(self, where: str, value: str | None) -> None:
        if value is None:
            self.untraced.append(where)
        elif NAME.match(value):
            self.used.add(value)

    def _read_function(self, path: str, fn, module: dict) -> None:
        params = [a.arg for a in fn.args.args]
        local = _assigned(fn)
        for call in ast.walk(fn):
            if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                    and call.func.attr in QUERY_METHODS and call.args):
                continue
            arg, where = call.args[0], f"{path}:{call.lineno}"
            if isinstance(arg, ast.Call):
                continue  # conn.execute(db.q(name)): the inner call is read on its own
            if isinstance(arg, ast.JoinedStr):
                continue  # an f-string is SQL for a driver connection (LISTEN ...), never a name
            if _literal(arg) is not None:
                self._add(where, _literal(arg))
            elif fn.name in PLUMBING:
                continue  # hands the name (or the SQL a name stands for) on to the driver
            elif isinstance(arg, ast.Name) and arg.id in params:
                self._forwarders[fn.name] = params.index(arg.id) - (params[:1] in (["self"], ["cls"]))
            elif isinstance(arg, ast.Name) and (arg.id in local or arg.id in module):
                for value in local.get(arg.id) or module[arg.id]:
                    for text in _strings(value) or [None]:
                        self._add(where, text)
            else:
                self._add(where, None)

    def _read_forwarded(self, path: str, tree) -> None:
        for call in ast.walk(tree):
            if not isinstance(call, ast.Call):
                continue
            name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", None)
            position = self._forwarders.get(name)
            if position is not None and len(call.args) > position:
                arg = call.args[position]
                self._add(f"{path}:{call.lineno}", _literal(arg))
