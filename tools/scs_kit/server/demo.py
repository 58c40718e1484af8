"""`--demo`: a deterministic, realistic Japanese data set for client developers.

Lines, customers, about 200 received calls over six weeks, connected clients and, for every other
resource, one record built from its schema's `examples`. The same code always yields the same
records. Fields the spec does not declare are dropped by the Service, so a spec change cannot
break this module; it only fills what exists.
"""

from __future__ import annotations

import datetime as dt
import random

from .service import Service

SEED = 20261126
CALLS = 200

LINES = [  # the vendor page's own example is line 1
    ("0731235678", "0731237777", "電話", "30"),
    ("0731235679", "0731237777", "電話", "31"),
    ("0731235680", "0731237777", "電話", "32"),
]

CUSTOMERS = [  # 顧客名, フリガナ, 電話番号, 会社名, 住所, メモ
    ("山田 太郎", "ヤマダ タロウ", "0312345678", "株式会社山田商店", "東京都千代田区神田1-2-3", "毎月末に発注あり"),
    ("佐藤 花子", "サトウ ハナコ", "0667891234", "佐藤工業株式会社", "大阪府大阪市北区梅田2-4-6", "請求書は郵送希望"),
    ("鈴木 一郎", "スズキ イチロウ", "0734561234", "鈴木建設", "和歌山県和歌山市本町1-1", ""),
    ("高橋 美咲", "タカハシ ミサキ", "0522223333", "高橋デザイン事務所", "愛知県名古屋市中区栄3-5-1", "午前中は不在が多い"),
    ("田中 健", "タナカ ケン", "0924445555", "田中運送有限会社", "福岡県福岡市博多区博多駅前1-1", "配送の問い合わせが多い"),
    ("伊藤 さくら", "イトウ サクラ", "0117778888", "", "北海道札幌市中央区北1条西2丁目", "個人のお客様"),
    ("渡辺 大輔", "ワタナベ ダイスケ", "0223334444", "株式会社渡辺システム", "宮城県仙台市青葉区一番町4-6", "保守契約あり"),
    ("中村 由美", "ナカムラ ユミ", "0756667777", "中村呉服店", "京都府京都市中京区烏丸通5", ""),
    ("小林 誠", "コバヤシ マコト", "0821112222", "小林水産", "広島県広島市中区紙屋町1-3", "至急の連絡は携帯へ"),
    ("加藤 恵", "カトウ メグミ", "09012345678", "", "", "携帯番号のみ登録"),
    ("吉田 修", "ヨシダ オサム", "0735556666", "吉田鉄工所", "和歌山県海南市日方1-2", "見積依頼中"),
    ("山本 陽子", "ヤマモト ヨウコ", "0788889999", "山本クリニック", "兵庫県神戸市中央区三宮町2-1", "診療時間外は留守電"),
]

UNKNOWN_CALLERS = ["0120123456", "0358889999", "0734440000", "08033334444", "0643210987", "0362226666"]

MEMOS = ["", "", "", "見積の件で折り返し", "納期の確認", "請求書について", "担当者不在のため折り返し",
         "注文の追加", "保守の依頼", "営業電話", "留守番電話に伝言あり", "来週再度連絡"]

CLIENTS = [("受付PC-01", "192.0.2.21"), ("営業PC-02", "192.0.2.22"), ("事務所タブレット", "192.0.2.35")]


def demo_records(service: Service) -> dict[str, list[dict]]:
    """The whole data set as {resource name: [records]} (keys included)."""
    spec = service.spec
    rng = random.Random(SEED)
    data: dict[str, list[dict]] = {}
    names = {r.name for r in spec.resources}

    if "ContainmentLine" in names:
        data["ContainmentLine"] = [
            {"回線No": str(i), "着信TEL": t, "代表TEL": rep, "種別": kind, "代理内線番号": ext}
            for i, (t, rep, kind, ext) in enumerate(LINES, 1)
        ]
    if "CustomerAddress" in names:
        data["CustomerAddress"] = [
            {"顧客ID": str(i), "顧客名": n, "フリガナ": k, "電話番号": tel, "会社名": c, "住所": a, "メモ": m}
            for i, (n, k, tel, c, a, m) in enumerate(CUSTOMERS, 1)
        ]
    if "ReceivedCall-Record" in names:
        start = dt.datetime(2026, 10, 12, 9, 0, 0)  # six weeks up to 2026/11/22
        stamps = []
        for _ in range(CALLS):
            day = start + dt.timedelta(days=rng.randrange(42))
            if day.weekday() >= 5 and rng.random() < 0.8:  # few calls at weekends
                day -= dt.timedelta(days=day.weekday() - 4)
            stamps.append(day + dt.timedelta(seconds=rng.randrange(9 * 3600)))
        stamps.sort()
        weights = [12, 10, 9, 7, 6, 5, 5, 4, 4, 3, 3, 2]  # a few customers call often
        calls = []
        for i, when in enumerate(stamps, 1):
            if rng.random() < 0.72:
                cid = rng.choices(range(1, len(CUSTOMERS) + 1), weights)[0]
                tel = CUSTOMERS[cid - 1][2]
            else:
                cid, tel = 0, rng.choice(UNKNOWN_CALLERS)
            calls.append({
                "ID": str(i),
                "顧客ID": str(cid),
                "相手TEL": tel,
                "着信日時": when.strftime("%Y/%m/%d %H:%M:%S"),
                "回線No": str(rng.choice([1, 1, 1, 2, 2, 3])),
                "メモ": rng.choice(MEMOS),
            })
        data["ReceivedCall-Record"] = calls
    if "ConnectedClient" in names:
        data["ConnectedClient"] = [
            {"ID": str(i), "クライアント名": n, "IPアドレス": ip, "接続日時": f"2026/11/26 0{8 + i}:0{i}:12"}
            for i, (n, ip) in enumerate(CLIENTS, 1)
        ]
    # Every other resource: one record from the schema's own example, under its first valid key.
    for r in spec.resources:
        if r.name in data:
            continue
        example: dict = next(iter(r.schema.get("examples") or [{}]), {}) or {}
        record = {f.name: str(example.get(f.name, "")) for f in r.fields}
        record[r.key] = str(r.min_id)
        data[r.name] = [record]
    return data


def load_demo(service: Service) -> bool:
    """Load the data set into an empty database; a database that holds data is left alone
    (so edits made through the API survive a restart with --demo). Returns whether it loaded."""
    if service.count():
        return False
    for name, records in demo_records(service).items():
        service.load_records(name, records)
    return True
