"""Comparison servers for bench/intake.py: a bare aiohttp app and gidgetlab's GitLabBot."""

from __future__ import annotations

import sys

from aiohttp import web


def bare(port: int) -> None:
    async def accept(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response({"status": "accepted"}, status=202)

    app = web.Application()
    app.router.add_post("/webhook", accept)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


def gitlabbot(port: int, secret: str) -> None:
    from gidgetlab.aiohttp import GitLabBot

    # wait_consistency=False: the default sleeps 1 s inside every request before answering.
    bot = GitLabBot("bench", secret=secret, access_token="unused", wait_consistency=False)

    @bot.router.register("Issue Hook")
    async def empty(event, gl, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None

    bot.run(host="127.0.0.1", port=port, print=None, access_log=None)


if __name__ == "__main__":
    kind, port = sys.argv[1], int(sys.argv[2])
    if kind == "bare":
        bare(port)
    else:
        gitlabbot(port, sys.argv[3])
