from segkit.cli import run

run()
