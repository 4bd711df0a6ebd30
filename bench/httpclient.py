"""A minimal cookie-keeping http.client browser that streams multipart uploads from disk."""

from __future__ import annotations

import http.client
import re
import socket
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

CHUNK = 1024 * 1024
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Browser:
    """One signed-in session against a running docflow server."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.cookies: dict[str, str] = {}

    def _connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=300)

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"User-Agent": "docflow-bench", **(extra or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return headers

    def _keep_cookies(self, response: http.client.HTTPResponse) -> None:
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, str, bytes]:
        conn = self._connection()
        try:
            conn.request(method, path, body=body, headers=self._headers(headers))
            response = conn.getresponse()
            data = response.read()
            self._keep_cookies(response)
            return response.status, response.getheader("Location", ""), data
        finally:
            conn.close()

    def wait_until_up(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.request("GET", "/login")
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def csrf_token(self, path: str) -> str:
        status, _, body = self.request("GET", path)
        match = _TOKEN.search(body.decode("utf-8", "replace"))
        if status != 200 or not match:
            raise RuntimeError(f"no CSRF token on {path} (HTTP {status})")
        return match.group(1)

    def sign_in(self, username: str, password: str) -> None:
        token = self.csrf_token("/login")
        form = urlencode({"csrf_token": token, "username": username, "password": password}).encode()
        status, _, _ = self.request("POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 302:
            raise RuntimeError(f"sign-in as {username} failed with HTTP {status}")

    def post_multipart(self, path: str, fields: dict[str, str], file_field: str, file: Path,
                       content_type: str) -> tuple[int, str]:
        """POST fields and one file as multipart/form-data, sending the file from disk in 1 MiB chunks.
        Returns (status, Location)."""
        boundary = f"docflow-bench-{uuid.uuid4().hex}"
        head = b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            for name, value in fields.items())
        head += (f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{file.name}"\r\n'
                 f"Content-Type: {content_type}\r\n\r\n").encode()
        tail = f"\r\n--{boundary}--\r\n".encode()
        length = len(head) + file.stat().st_size + len(tail)
        conn = self._connection()
        try:
            conn.putrequest("POST", path)
            for name, value in self._headers({"Content-Type": f"multipart/form-data; boundary={boundary}",
                                              "Content-Length": str(length)}).items():
                conn.putheader(name, value)
            conn.endheaders()
            conn.send(head)
            with file.open("rb") as fh:
                while chunk := fh.read(CHUNK):
                    conn.send(chunk)
            conn.send(tail)
            response = conn.getresponse()
            response.read()
            self._keep_cookies(response)
            return response.status, response.getheader("Location", "")
        finally:
            conn.close()
