"""Seed the calendar table with every year the chinese-calendar package knows (2004-2026)."""

from typing import Any

from django.db import migrations


def seed(apps: Any, schema_editor: Any) -> None:
    from mallops.workdays.sources import package_calendar, year_records

    year_model = apps.get_model("workdays", "CalendarYear")
    day_model = apps.get_model("workdays", "CalendarDay")
    for record in year_records(package_calendar()):
        if year_model.objects.filter(year=record.year).exists():
            continue
        row = year_model.objects.create(year=record.year, source="package")
        days = [day_model(calendar_year=row, date=d, kind="holiday", name=n) for d, n in record.holidays.items()]
        days += [day_model(calendar_year=row, date=d, kind="workday") for d in record.makeup_workdays]
        day_model.objects.bulk_create(days)


def unseed(apps: Any, schema_editor: Any) -> None:
    apps.get_model("workdays", "CalendarYear").objects.filter(source="package").delete()


class Migration(migrations.Migration):
    dependencies = [("workdays", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
