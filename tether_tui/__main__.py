from tether_tui.cli import main

raise SystemExit(main())
