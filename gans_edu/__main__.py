import sys

from gans_edu.cli import main

sys.exit(main())
