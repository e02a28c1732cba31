from mallops.cli import main

raise SystemExit(main())
