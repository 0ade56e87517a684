"""The command line: argparse and printing; the work is done by the use cases it calls."""
