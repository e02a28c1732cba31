"""Working-day calendar (State Council holiday schedule) and SLA deadline arithmetic.

* ``engine``: pure arithmetic on ``CalendarData`` (working days, business hours, SLA clock with pauses).
* ``sources``: builds ``CalendarData`` from the ``chinese-calendar`` package and admin import files.
* ``cli``: ``mallops calendar deadline|import|show|years``.

Decisions where the issue was silent:

* A day is a working day iff it is (Monday-Friday and not a holiday) or a make-up workday; a year
  without data falls back to Monday-Friday and every result names such years (``uncovered_years``).
* Working-day deadlines end at 23:59:59 Asia/Shanghai of the N-th working day after the start's date.
* Business-hour deadlines are the earliest instant at which the budget is spent (a budget ending at a
  window's close is due at the close). Durations are microsecond-exact; the CLI prints whole seconds,
  rounded half up.
* Default SLA bases (``engine.DEFAULT_POLICIES``): first response and after-sales acceptance (15 min)
  and technical support (4 h) count business hours in 09:00-18:00 on working days, because they
  measure staffed desks; initial answer (24 h), resolution (48 h), special resolution (72 h),
  complaint acceptance (24 h) and handling (72 h), and major faults (2 h) count calendar hours,
  because they are promises to buyers and incident clocks; the follow-up visit is due at the end of
  the 3rd working day after resolution. Breach warnings fire a policy-specific lead before the due
  time, measured on the policy's own clock.
"""
