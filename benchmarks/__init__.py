"""Benchmarks of connect-reconciler: plan at scale, plan and apply under Connect's quotas, profiles.

Run ``python -m benchmarks [plan-scale|plan-quota|apply-quota|profile|all] [--sizes ...] [--quick]``
(``make bench`` runs them all). Each benchmark prints a table of its figures, the targets beside
them, and the exact command that reproduces it. ``benchmarks/README.md`` explains what each one
measures, what bounds each figure, and the latest results.

Modules: ``common`` (fixtures, the emulator process, the desired-state tree, timed children,
tables), one module per benchmark, ``emulator_proc`` (the emulator in its own process, fed a
generated fixture), ``launch`` (runs a measured child so its rusage is its own), ``phases``
(in-process timing of the plan's phases) and ``profile_child`` (the CLI under cProfile, every
thread included).
"""
