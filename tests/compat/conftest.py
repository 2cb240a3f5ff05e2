# The programs are scripts that train when imported: only the harness runs them.
collect_ignore = ["programs"]
