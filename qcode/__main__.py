"""python -m qcode"""

from .cli import main

main()
