"""The `tinygrad-cnn` command line: one file per subcommand."""
