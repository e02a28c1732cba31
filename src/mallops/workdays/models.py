"""The working-day calendar as data: one row per year, one row per exceptional day (R5.1.4)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class CalendarYear(models.Model):
    """A year whose State Council schedule is known; a year without a row falls back to Monday-Friday."""

    class Source(models.TextChoices):
        PACKAGE = "package", "chinese-calendar package"
        IMPORT = "import", "admin import"

    year = models.PositiveSmallIntegerField(unique=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.IMPORT)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """A day whose status differs from the plain week: a holiday or a make-up workday (调休上班)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", "holiday"
        WORKDAY = "workday", "make-up workday"

    calendar_year = models.ForeignKey(CalendarYear, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=50, blank=True, default="")

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.kind}"
