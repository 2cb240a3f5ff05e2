"""Op definitions: one `Function` subclass per op, forward and local gradient side by side."""
