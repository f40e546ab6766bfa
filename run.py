"""`python run.py COMMAND`: the product's command line (see `python run.py --help`)."""

from inclusion_map.cli import main

if __name__ == "__main__":
    main()
