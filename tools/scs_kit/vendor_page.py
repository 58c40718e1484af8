"""The vendor's resource table, transcribed once from 【光CTIスマートコネクトサービスRESTful API仕様】.

This is the independent oracle `scs-kit lint` holds the OpenAPI document against; nothing else in
the kit reads it (everything else is driven by the document). name → (key, methods, minimum id).
"""

ALL = ("GET", "POST", "PUT", "DELETE")
GET_ONLY = ("GET",)  # ※GETのみ
GET_PUT = ("GET", "PUT")  # ※GET、PUTのみ
GET_POST_PUT = ("GET", "POST", "PUT")  # ※GET、POST、PUTのみ

RESOURCES: dict[str, tuple[str, tuple[str, ...], int]] = {
    "ContainmentLine": ("回線No", ALL, 1),  # 収容回線
    "SIP-ServerConnection": ("ID", ALL, 2),  # SIPサーバー接続設定 ※ID は2以上
    "ConnectedClient": ("ID", GET_ONLY, 1),  # 接続中クライアント
    "CustomerAddress": ("顧客ID", ALL, 1),  # 顧客アドレス帳
    "ReceivedCall-Record": ("ID", GET_PUT, 1),  # 着信記録
    "IncomingCall-URL": ("ID", ALL, 1),  # 着信時URL呼出
    "IncomingCall-Command": ("ID", ALL, 1),  # 着信時コマンド呼出
    "Notification-LINE-AccessToken": ("ID", ALL, 1),  # 通知先LINEアクセストークン
    "Notification-Email-Address": ("ID", ALL, 1),  # 通知先メールアドレス
    "PhoneNumber-SearchSite": ("ID", ALL, 1),  # 電話番号検索サイト
    "MessDef-Mail": ("ID", GET_POST_PUT, 1),  # メッセージ定義_メール用
    "MessDef-Line": ("ID", GET_POST_PUT, 1),  # メッセージ定義_LINE用
    "MessDef-Toast": ("ID", GET_POST_PUT, 1),  # メッセージ定義_トースト用
    "Mail-Account": ("ID", GET_POST_PUT, 1),  # メールアカウント
    "Online-Activation": ("ID", ALL, 2),  # オンラインアクティベーション ※ID は2以上
    "DataBackup": ("ID", GET_POST_PUT, 1),  # データバックアップ
    "UserManagement": ("ID", ALL, 1),  # ユーザー管理
    "Output-CSV": ("ID", GET_POST_PUT, 1),  # CSVデータ出力
    "Output-EXCEL": ("ID", GET_POST_PUT, 1),  # EXCELデータ出力
}

# The one extra route: GET only (※以下は、GETのみ有効).
QUERY_ROUTE = "/ReceivedCall-Record/{TOP}/{DESCENDING}/{K_ID}/{FROM}"
