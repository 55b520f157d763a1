"""Member import time: N generated rows through the admin's upload (dry run) and confirm steps.

    DATABASE_URL=postgres://.../gymos_bench_import .venv/bin/python bench/import_members.py --rows 10000

Generates a CSV (or XLSX) of N new members, a third of them on a plan, then
times what the admin does: the upload's dry run (read the file, check every
row) and the confirmed import (read again, check again, bulk write). Also
times how fast a 100,000-row file is refused. Everything runs in one
transaction that is rolled back, unless --commit. The database must be
migrated. Target (issue 3, item 7): 10,000 rows in under a minute.
"""

import argparse
import io
import os
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

HEADER = ["email", "first_name", "last_name", "phone", "date_of_birth", "plan", "membership_start", "whatsapp_opt_in"]


class _Rollback(Exception):
    pass


def generate(rows: int, run: str, plan: str) -> list[list[str]]:
    return [
        [
            f"bench-{run}-{i}@example.invalid",
            "Member",
            f"Number {i}",
            f"017{i % 100_000_000:08d}",
            f"{1960 + i % 40}-{1 + i % 12:02d}-{1 + i % 28:02d}",
            plan if i % 3 == 0 else "",
            f"{1 + i % 28:02d}/01/2026" if i % 3 == 0 else "",
            "yes" if i % 2 else "no",
        ]
        for i in range(rows)
    ]


def encode(rows: list[list[str]], file_format: str) -> bytes:
    if file_format == "xlsx":
        import openpyxl

        book = openpyxl.Workbook(write_only=True)
        sheet = book.create_sheet()
        sheet.append(HEADER)
        for row in rows:
            sheet.append(row)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    lines = [",".join(HEADER)] + [",".join(row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10000)
    parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    parser.add_argument("--welcome", action="store_true", help="queue welcome emails (needs --commit to enqueue)")
    parser.add_argument("--commit", action="store_true", help="keep the imported members")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from admin_site.resources.base import table_formats
    from admin_site.resources.members import MemberImportResource
    from core.memberships.models import Plan

    settings.MEMBER_IMPORT_MAX_ROWS = max(settings.MEMBER_IMPORT_MAX_ROWS, args.rows)
    run = uuid.uuid4().hex[:8]
    csv_format, xlsx_format = table_formats(MemberImportResource)
    file_format = (csv_format if args.format == "csv" else xlsx_format)()
    resource = MemberImportResource()
    figures = {}
    try:
        with transaction.atomic():
            plan, _ = Plan.objects.get_or_create(name="Bench Monthly", defaults={"price": "1500.00"})
            data = encode(generate(args.rows, run, plan.name), args.format)

            started = time.perf_counter()
            preview = resource.import_data(file_format.create_dataset(data), dry_run=True)
            figures["dry_run_s"] = time.perf_counter() - started
            if preview.has_errors() or preview.has_validation_errors():
                raise SystemExit(f"The generated file did not pass: {preview.base_errors or preview.invalid_rows[:3]}")

            started = time.perf_counter()
            result = resource.import_data(
                file_format.create_dataset(data), dry_run=False, send_welcome=args.welcome, file_name="bench"
            )
            figures["import_s"] = time.perf_counter() - started
            if result.totals["new"] != args.rows:
                raise SystemExit(f"Imported {result.totals['new']} of {args.rows} rows: {result.invalid_rows[:3]}")
            if not args.commit:
                raise _Rollback
    except _Rollback:
        pass
    if args.commit:
        # The on-commit enqueues of welcome emails ran when the block committed.
        figures["import_s"] = time.perf_counter() - started

    limit = settings.MEMBER_IMPORT_MAX_ROWS = 20000
    big = encode(generate(100_000, run, "x"), "csv")
    started = time.perf_counter()
    try:
        csv_format().create_dataset(big)
    except ValidationError as exc:  # the expected refusal
        figures["refuse_100k_s"] = time.perf_counter() - started
        if "more than" not in exc.messages[0]:
            raise
    else:
        raise SystemExit("A 100,000-row file was not refused.")

    print(
        f"rows={args.rows} format={args.format} welcome={args.welcome} "
        f"dry_run_s={figures['dry_run_s']:.2f} import_s={figures['import_s']:.2f} "
        f"rows_per_s={args.rows / figures['import_s']:.0f} "
        f"upload_plus_confirm_s={figures['dry_run_s'] + figures['import_s']:.2f} "
        f"refuse_100k_rows_s={figures['refuse_100k_s']:.2f} (limit {limit:,})"
    )


if __name__ == "__main__":
    main()
