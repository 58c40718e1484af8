"""Failures, messages and the two answer styles of the reference server.

`rest` (the default) answers failures with a 4xx/5xx status and the write envelope; `wcf` answers
like a WCF webHttp service usually does: application failures as HTTP 200 with "result": "False",
an unknown URI or a forbidden method as WCF's HTML error page, JSON \\u-escaped without a charset.
The page is silent on all of this, so a client must cope with both.
"""

from __future__ import annotations

import json

MSG_NO_RECORD = "該当するレコードがありません。"
MSG_NO_URI = "指定されたURIはありません。"
MSG_BAD_KEY = "キーの値が不正です ({min}〜{max} の整数を指定してください)。"
MSG_METHOD = "このURIでは {method} メソッドは使用できません。"
MSG_TOO_LARGE = "リクエストデータが大きすぎます (上限 1 MiB)。"
MSG_NOT_UTF8 = "リクエストデータが UTF-8 ではありません。"
MSG_NOT_JSON = "リクエストデータが JSON 形式ではありません。"
MSG_NOT_OBJECT = "リクエストデータは JSON オブジェクト ({ … }) で指定してください。"
MSG_BAD_CHAR = "リクエストデータに使用できない文字が含まれています。"
MSG_INVALID = "リクエストデータが不正です。"
MSG_BAD_PARAM = "パラメータ {name} の値が不正です。"
MSG_KEYS_EXHAUSTED = "キーの上限に達したため新規登録できません。"
MSG_INTERNAL = "サーバー内部エラーが発生しました。"
MSG_BAD_HOST = "Host ヘッダーが許可されていません。"
MSG_FOREIGN_ORIGIN = "このオリジンからのアクセスは許可されていません。"
MSG_BUSY = "データベースが使用中です。{seconds} 秒後に再試行してください。"
MSG_DISK_FULL = "ディスクの空き容量が不足しているため保存できません。"
MSG_STORAGE_LOST = "データベースファイルが見つかりません。サーバーを再起動してください。"
MSG_STORAGE_ERROR = "データベースにアクセスできません。"
MSG_INJECTED = "一時的に処理できません (--fail-rate による応答)。{seconds} 秒後に再試行してください。"

STYLES = ("rest", "wcf")

# Refusals that stay what they are in the wcf style: the host's own (before any operation runs),
# body deserialisation failures and overload. Every other failure is the operation's "False".
_KEEP_STATUS = {403, 413, 421, 431}
_UNREADABLE = {MSG_NOT_UTF8, MSG_NOT_JSON, MSG_NOT_OBJECT, MSG_BAD_CHAR}


class HTTPError(Exception):
    def __init__(self, status: int, msg: str, headers: list | None = None, extra: dict | None = None):
        super().__init__(msg)
        self.status, self.msg, self.headers = status, msg, headers or []
        self.extra = extra or {}  # further envelope members (e.g. "retryAfter")


_UTF8 = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_ASCII = json.JSONEncoder(ensure_ascii=True, separators=(",", ":"))


def dumps(obj, ascii_only: bool = False) -> bytes:
    return (_ASCII if ascii_only else _UTF8).encode(obj).encode("utf-8")


def envelope(ok: bool, msg: str, extra: dict | None = None, ascii_only: bool = False) -> bytes:
    return dumps({"result": "True" if ok else "False", "msg": msg, **(extra or {})}, ascii_only)


_WCF_PAGE = """<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>Service</title></head><body>
<div id="content"><p class="heading1">Service</p><p>{text}</p></div></body></html>
"""
_WCF_TEXT = {404: "Endpoint not found.", 405: "Method not allowed."}


class Style:
    """How an answer is rendered: content type, escaping and the shape of failures."""

    def __init__(self, name: str = "rest"):
        if name not in STYLES:
            raise ValueError(f"unknown style {name!r} (known: {', '.join(STYLES)})")
        self.name = name
        self.wcf = name == "wcf"
        self.json_type = b"application/json" if self.wcf else b"application/json; charset=utf-8"

    def dumps(self, obj) -> bytes:
        return dumps(obj, ascii_only=self.wcf)

    def failure(self, exc: HTTPError) -> tuple[int, list, bytes]:
        """(status, headers, payload) for a failure."""
        if not self.wcf:
            return exc.status, exc.headers, envelope(False, exc.msg, exc.extra)
        if exc.status == 405 or (exc.status == 404 and exc.msg == MSG_NO_URI):
            # No operation matched: WCF's own HTML page, not the service's envelope.
            page = _WCF_PAGE.format(text=_WCF_TEXT[exc.status]).encode()
            return exc.status, [*exc.headers, (b"content-type", b"text/html; charset=UTF-8")], page
        keep = exc.status in _KEEP_STATUS or exc.status >= 500 or exc.msg in _UNREADABLE
        status = exc.status if keep else 200
        return status, exc.headers, envelope(False, exc.msg, exc.extra, ascii_only=True)
