"""Fair scheduling: assign a whole request window at once (issue 20). Pure: no database,
no Flask; the service's use cases feed it plain data and store what it returns.

    problem.py    the problem and the answer as plain data, reason codes
    plans.py      what each family could be given alone (the booking grid and the
                  booking's back-to-back rule)
    solver.py     CP-SAT, objectives in order, a time limit per stage
    firstcome.py  the first-come baseline (and fallback); why a family is left out
    capacity.py   capacity warnings before the window opens
    checker.py    an independent check of any assignment against the hard rules
    metrics.py    what the benchmark compares
"""
from services.scheduling.domain.assignment.capacity import (
    capacity_warnings, interpreter_warnings, teacher_warnings, window_warnings,
)
from services.scheduling.domain.assignment.checker import check
from services.scheduling.domain.assignment.firstcome import first_come
from services.scheduling.domain.assignment.metrics import measure
from services.scheduling.domain.assignment.problem import (
    CapacityWarning, Child, Conference, Family, Interpreter, Pin, Problem, Result, Unassigned,
)
from services.scheduling.domain.assignment.solver import solve

__all__ = ["CapacityWarning", "Child", "Conference", "Family", "Interpreter", "Pin", "Problem", "Result",
           "Unassigned", "capacity_warnings", "check", "first_come", "interpreter_warnings", "measure",
           "solve", "teacher_warnings", "window_warnings"]
