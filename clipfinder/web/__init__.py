"""The manager's web page (`clipfinder serve`): server-rendered pages over the same index and
library functions as the CLI. Starlette, Jinja2 and uvicorn are imported only here."""
