"""The command line, one module per family of commands; `src/main.py` assembles them.

  * console: the consoles, the progress bar, the one-line error handling, the FILE argument
  * settings: .env and flags into one config (every bad value reported at once)
  * generate: generating (the default command) and the summary tables
  * inspect: fingerprint, reproduce, validate, stats, report
  * export: export and push
  * live: simulate, live, status (continuous mode)

Only typer and rich code lives here: each command builds its inputs, calls one library
function and renders the result.
"""
