"""An MCP server written with the official Python SDK (PyPI `mcp`, MCPServer), for
scripts/cli-interop.sh: the mcp-serve CLI is run against it over stdio, Streamable HTTP
and HTTP+SSE, in both protocol eras.

Usage: python python_server.py stdio
       python python_server.py http PORT   (Streamable HTTP at http://127.0.0.1:PORT/mcp)
       python python_server.py sse PORT    (HTTP+SSE at http://127.0.0.1:PORT/sse)

What it has (the script checks these values):
  tools      add(a: float, b: float) -> a + b
             echo(text: str) -> "echo: <text>"   (a string parameter: `text=007` must stay "007")
             env(name: str) -> the value of that environment variable, or "<unset>"
             fail(reason: str) -> always an isError result whose text is the reason
             steps(n: int) -> reports progress 1..n, logs "step i", returns "did n steps"
  resource   info://server          text "python-cli-interop"
  template   greeting://{name}      text "Hello, <name>!"
  prompt     review(code, language="python") -> one user message
             "Review this <language> code:\n<code>"
"""

import os
import sys
import warnings

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.shared.exceptions import MCPDeprecationWarning

# `steps` logs on purpose (legacy clients get the messages); keep the server's stderr quiet
# about logging being deprecated in 2026-07-28.
warnings.filterwarnings("ignore", category=MCPDeprecationWarning)

server = MCPServer("python-cli-interop", version="1.0.0", log_level="WARNING")


@server.tool()
def add(a: float, b: float) -> float:
    """Add two numbers."""
    return a + b


@server.tool()
def echo(text: str) -> str:
    """Echo the text back, prefixed."""
    return f"echo: {text}"


@server.tool()
def env(name: str) -> str:
    """The value of an environment variable of the server process."""
    return os.environ.get(name, "<unset>")


@server.tool()
def fail(reason: str) -> str:
    """Always fails with the given reason."""
    raise ToolError(reason)


@server.tool()
async def steps(n: int, ctx: Context) -> str:
    """Report progress for n steps and log each one."""
    for i in range(1, n + 1):
        await ctx.info(f"step {i}")
        await ctx.report_progress(i, n, f"step {i} of {n}")
    return f"did {n} steps"


@server.resource("info://server", name="info", mime_type="text/plain")
def info() -> str:
    """Which server this is."""
    return "python-cli-interop"


@server.resource("greeting://{name}", name="greeting", mime_type="text/plain")
def greeting(name: str) -> str:
    """A greeting for someone."""
    return f"Hello, {name}!"


@server.prompt()
def review(code: str, language: str = "python") -> str:
    """Ask for a code review."""
    return f"Review this {language} code:\n{code}"


def main() -> None:
    mode = sys.argv[1] if len(sys.argv) > 1 else "stdio"
    if mode == "stdio":
        server.run("stdio")
        return
    if len(sys.argv) < 3:
        sys.exit(f"usage: {sys.argv[0]} {mode} PORT")
    port = int(sys.argv[2])
    if mode == "http":
        server.run("streamable-http", host="127.0.0.1", port=port, streamable_http_path="/mcp")
    elif mode == "sse":
        server.run("sse", host="127.0.0.1", port=port, sse_path="/sse", message_path="/messages/")
    else:
        sys.exit(f"unknown mode {mode!r}: use stdio, http or sse")


if __name__ == "__main__":
    main()
