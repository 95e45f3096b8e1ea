"""The course's training recipes as scripts for `python` or `accelerate launch` (see recipes/README.md)."""
