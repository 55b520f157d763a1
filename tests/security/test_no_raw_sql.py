"""No SQL built from input. The reference system pasted request values into
SQL; GymOS goes through the ORM, or passes values as query parameters.

This scans the application's Python (every .py file outside the excluded
folders) for raw-SQL call sites: Manager.raw(), QuerySet.extra(), RawSQL(),
and cursor/connection execute(), executemany(), executescript() or psycopg's
cursor.copy() whose SQL argument is not a plain string literal (an f-string,
% or + formatting, .format(), or a variable built elsewhere). Each one must be
reviewed and listed in REVIEWED with the reason it is safe; a new one fails
until it is reviewed, and an entry that no longer matches fails too.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXCLUDED_DIRS = {
    ".git",
    ".venv",
    "var",
    "staticfiles",
    "test-artifacts",
    "node_modules",
    "migrations",  # generated schema changes, no request data
    "tests",  # tests build SQL from their own fixtures to inspect the database
    "bench",  # offline benchmark data generators: never imported by the web app or the worker
}
ALWAYS_REVIEW = {"raw", "extra", "RawSQL"}
EXECUTE = {"execute", "executemany", "executescript"}

# "path:function" -> why it is safe. Review the code before adding an entry.
REVIEWED = {
    "core/memberships/status_sync.py:_set_status_postgresql": (
        "data-modifying CTE (UPDATE members + INSERT history rows): only quote_name()d table and column names "
        "from model metadata and Django-compiled queryset SQL are interpolated; status, dates, actor and the "
        "queryset's own values are query parameters"
    ),
    "core/attendance/bulk.py:insert_rows": (
        "COPY <table> (<columns>) FROM STDIN: quote_name()d names from model metadata; the row values are "
        "streamed by psycopg's copy.write_row, never part of the SQL text"
    ),
    "admin_site/paginators.py:count": (
        "the planner's row estimate or an exact COUNT(*): only the quote_name()d table name from model metadata "
        "is interpolated; the threshold and the regclass name are query parameters"
    ),
    "scripts/backup_tool.py:sqlite_counts": (
        "SELECT count(*) per table for the backup manifest: the table names come from sqlite_master and are "
        "quoted; the script reads no other input"
    ),
}


def _is_literal(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str | bytes)


def _sql_argument(call: ast.Call) -> ast.AST | None:
    if call.args:
        return call.args[0]
    for keyword in call.keywords:
        if keyword.arg in ("sql", "query", "statement"):
            return keyword.value
    return None


def _needs_review(call: ast.Call) -> str | None:
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
    if name in ALWAYS_REVIEW:
        return f"{name}()"
    if name in EXECUTE and call.args and not _is_literal(_sql_argument(call)):
        return f"{name}() with SQL that is not a string literal"
    if name == "copy" and "cursor" in ast.unparse(func.value) and not _is_literal(_sql_argument(call)):
        return "cursor.copy() with SQL that is not a string literal"
    return None


def find_raw_sql(source: str, path: str) -> list[tuple[str, int, str]]:
    """[(path:function, line, what)] for every raw-SQL call site needing review."""
    found = []

    def visit(node: ast.AST, function: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                visit(child, child.name)
                continue
            if isinstance(child, ast.Call) and (what := _needs_review(child)):
                found.append((f"{path}:{function}", child.lineno, what))
            visit(child, function)

    visit(ast.parse(source), "<module>")
    return found


def application_files() -> list[Path]:
    return [path for path in sorted(ROOT.rglob("*.py")) if not EXCLUDED_DIRS & set(path.relative_to(ROOT).parts[:-1])]


def test_the_scanner_catches_sql_built_from_strings():
    # given: the shapes the reference system used, and safe ones
    source = """
def by_name(cursor, name):
    cursor.execute(f"SELECT * FROM members WHERE name = '{name}'")
def by_code(cursor, code):
    cursor.execute("SELECT * FROM members WHERE code = '%s'" % code)
def by_phone(cursor, phone):
    cursor.execute("SELECT * FROM members WHERE phone = '" + phone + "'")
def by_email(cursor, email):
    cursor.executemany("DELETE FROM members WHERE email = '{}'".format(email), [])
def indirect(cursor, sql):
    cursor.execute(sql)
def orm(Member, q):
    Member.objects.raw("SELECT * FROM members")
    Member.objects.extra(where=[q])
    RawSQL("lower(name)", [])
def copy_in(cursor, table):
    cursor.cursor.copy(f"COPY {table} FROM STDIN")
def safe(cursor, code, names):
    cursor.execute("SELECT * FROM members WHERE code = %s", [code])
    names.copy()
"""
    # when
    found = find_raw_sql(source, "example.py")
    # then
    assert [(where.split(":")[1], what) for where, _line, what in found] == [
        ("by_name", "execute() with SQL that is not a string literal"),
        ("by_code", "execute() with SQL that is not a string literal"),
        ("by_phone", "execute() with SQL that is not a string literal"),
        ("by_email", "executemany() with SQL that is not a string literal"),
        ("indirect", "execute() with SQL that is not a string literal"),
        ("orm", "raw()"),
        ("orm", "extra()"),
        ("orm", "RawSQL()"),
        ("copy_in", "cursor.copy() with SQL that is not a string literal"),
    ]


def test_every_raw_sql_call_site_in_the_application_was_reviewed():
    # given: all application code
    files = application_files()
    assert len(files) > 50  # the scan really covers the code base
    # when
    found = []
    for path in files:
        found += find_raw_sql(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    # then: each one is reviewed, and every review still matches code
    unreviewed = [f"{where} (line {line}): {what}" for where, line, what in found if where not in REVIEWED]
    assert unreviewed == [], "Raw SQL needs review (use the ORM or query parameters, or justify it in REVIEWED)"
    stale = set(REVIEWED) - {where for where, _line, _what in found}
    assert stale == set(), "REVIEWED lists call sites that no longer exist: remove them"
