"""`python -m benchmarks`: the benchmark suite's entry point."""
from benchmarks.run import main

raise SystemExit(main())
