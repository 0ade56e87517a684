"""`python -m bot.cli` runs the gridbot command."""

from bot.cli.main import main

raise SystemExit(main())
