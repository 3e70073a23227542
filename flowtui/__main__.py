"""`python -m flowtui` runs the same entry point as the `flowtui` console script."""

from flowtui.cli.main import main

raise SystemExit(main())
