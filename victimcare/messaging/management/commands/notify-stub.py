"""victimcare notify-stub --port 6011: run the Notify-compatible server in the foreground."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from victimcare.messaging.notify_stub import DEV_API_KEY, NotifyStub


class Command(BaseCommand):
    help = "Run a GOV.UK Notify-compatible server for development and tests (loopback only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=6011)
        parser.add_argument(
            "--api-key",
            default=DEV_API_KEY,
            help="The API key clients must sign with (format keyname-serviceid-secret).",
        )
        parser.add_argument(
            "--callback-url",
            default="",
            help="POST a 'delivered' receipt here after each accepted notification.",
        )
        parser.add_argument(
            "--callback-token", default="", help="Bearer token for the receipts (>= 10 chars)."
        )

    def handle(
        self,
        *args: Any,
        host: str,
        port: int,
        api_key: str,
        callback_url: str,
        callback_token: str,
        **options: Any,
    ) -> None:
        stub = NotifyStub(host=host, port=port, api_key=api_key)
        if callback_url:
            stub.set_callbacks(callback_url, token=callback_token)
        self.stdout.write(f"Notify stub on {stub.url} (NOTIFY_BASE_URL={stub.url})")
        self.stdout.flush()
        try:
            stub.server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            stub.state.release.set()
            stub.server.server_close()
