"""How every CP-SAT solve of the engine is set up."""

from __future__ import annotations

from ortools.sat.python import cp_model


def cp_solver(
    *, seed: int, seconds: float, workers: int = 1, deterministic: float | None = None
) -> cp_model.CpSolver:
    """A solver limited to `seconds` of wall time (and, when given, to `deterministic`
    seconds of deterministic time, which makes one worker's result repeatable).

    Presolve runs without probing or symmetry detection: on these models they cost a
    quarter of a minute for little, and the pigeonhole cuts already give the bound. CP-SAT's
    own Ctrl-C handler is off: it would end only the solve under way while the run went on
    to write its plan; the caller decides what an interrupt means."""
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, seconds)
    if deterministic is not None:
        solver.parameters.max_deterministic_time = deterministic
    solver.parameters.random_seed = seed
    solver.parameters.num_workers = workers
    solver.parameters.cp_model_probing_level = 0
    solver.parameters.symmetry_level = 0
    solver.parameters.catch_sigint_signal = False
    return solver
