"""`make soak` and `make soak-short` run this: `python -m bench.soak`."""

from bench.soak.main import main

main()
