"""The fuzz suite (issue 12, "keep it found"): hypothesis strategies that generate catalogs and
mutate valid ones, scenario files, batch CSV, saved plan files and offerspec.toml, and the
properties every run of the real CLI must keep (see oracle.py). CI runs it with a fixed seed and
a bounded budget (budget.py); bench/fuzz_long.py runs the same properties for as long as asked."""
