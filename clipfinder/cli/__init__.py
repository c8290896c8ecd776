"""The `clipfinder` command: parse, call one library function, print."""
