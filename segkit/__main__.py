from segkit.console import run

run()
