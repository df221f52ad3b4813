"""Demo data that feels like the Lishui bureau's own: its command centre, stations, staff, assistants, agencies."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import sqlalchemy as sa

from server.agencies.service import create_agency
from server.assistants.service import appoint_assistant
from server.auth.models import Device, User
from server.auth.users import create_staff_user
from server.extensions import db
from server.reports.service import add_message, create_report
from server.stations.models import Station
from server.stations.service import create_station
from server.timeutil import utcnow

DEMO_PASSWORD = "lianbao-demo"


def _box(west: float, south: float, east: float, north: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[west, south], [east, south], [east, north], [west, north], [west, south]]]}


# code, name, English name, jurisdiction. Neighbouring stations of a county share edges, so they tile it.
STATIONS = [
    ("LD-WX", "莲都区公安分局万象派出所", "Wanxiang Station, Liandu", _box(119.880, 28.420, 119.930, 28.480)),
    ("LD-ZJ", "莲都区公安分局紫金派出所", "Zijin Station, Liandu", _box(119.930, 28.420, 119.990, 28.480)),
    ("YH-CN", "云和县公安局城南派出所", "Chengnan Station, Yunhe", _box(119.540, 28.060, 119.600, 28.115)),
    ("YH-ZST", "云和县公安局紫水滩派出所", "Zishuitan Station, Yunhe", _box(119.540, 28.115, 119.620, 28.180)),
    ("JY-HZ", "缙云县公安局壶镇分局", "Huzhen Sub-bureau, Jinyun", _box(120.200, 28.760, 120.330, 28.850)),
    ("QT-HC", "青田县公安局鹤城派出所", "Hecheng Station, Qingtian", _box(120.250, 28.110, 120.320, 28.170)),
    ("SC-MG", "遂昌县公安局妙高派出所", "Miaogao Station, Suichang", _box(119.230, 28.560, 119.310, 28.620)),
]

OFFICERS = [
    ("officer.wanxiang", "LD-WX", "万象所 陈警官"),
    ("officer.zijin", "LD-ZJ", "紫金所 林警官"),
    ("officer.chengnan", "YH-CN", "城南所 叶警官"),
    ("officer.zishuitan", "YH-ZST", "紫水滩所 吴警官"),
    ("officer.huzhen", "JY-HZ", "壶镇分局 朱警官"),
    ("officer.hecheng", "QT-HC", "鹤城所 季警官"),
    ("officer.miaogao", "SC-MG", "妙高所 毛警官"),
]

AGENCIES = [
    ("丽水市急救指挥中心（120）", "medical", "0578-120"),
    ("丽水市市场监督管理局消费者投诉举报中心（12315）", "consumer", "0578-12315"),
    ("丽水山地应急救援队", "rescue", "0578-2100000"),
]

SAMPLE_CASES = [
    # kind, category, description, lat, lon, landmark, message from police
    (
        "alarm",
        "street_racing_noise",
        "深夜有改装摩托车在丽阳门附近飙车，轰鸣声很大，已经持续半小时。",
        28.4519,
        119.9125,
        "丽阳门",
        "已通知巡逻警力前往。",
    ),
    ("alarm", "animal_attack", "石浦村口路上有大狗追咬路人，一位老人腿被咬伤。", 28.140, 119.580, "石浦村村口", None),
    ("alarm", "medical", "暴雨中老人在保安路摔倒，头部出血，意识清醒。", 28.800, 120.260, "保安路菜场旁", None),
    ("tip", "dispute", "楼上住户水管漏水到我家，多次协商无果，双方有争吵。", 28.085, 119.570, "城南小区7幢", None),
    ("alarm", "hazard", "汛期老房子墙体开裂，屋里住着两位老人，担心倒塌。", 28.590, 119.270, "妙高街道老城区", None),
]


def seed_demo() -> dict:
    """Load the demo data once; a second call changes nothing."""
    if db.session.scalar(sa.select(User.id).where(User.username == "dispatcher")):
        return {"loaded": False, "reason": "already loaded", "logins": demo_logins()}
    create_station("CC", "丽水市公安局情指联动中心", None, "Lishui PSB Command Centre", is_command_centre=True)
    for code, name, name_en, polygon in STATIONS:
        create_station(code, name, polygon, name_en)
    create_staff_user("admin", DEMO_PASSWORD, "admin", "CC", display_name="系统管理员")
    create_staff_user("dispatcher", DEMO_PASSWORD, "dispatcher", "CC", display_name="情指中心 值班指挥员")
    for username, code, name in OFFICERS:
        create_staff_user(username, DEMO_PASSWORD, "officer", code, display_name=name)
    stations = {s.code: s for s in db.session.scalars(sa.select(Station))}
    appoint_assistant(
        "assistant.shipu",
        DEMO_PASSWORD,
        "潘建华",
        "13857800001",
        "LS-YH-2026-001",
        "石浦村",
        stations["YH-ZST"].id,
        date.today() + timedelta(days=365),
    )
    appoint_assistant(
        "assistant.liyangmen",
        DEMO_PASSWORD,
        "徐丽",
        "13857800002",
        "LS-LD-2026-014",
        "丽阳门社区",
        stations["LD-WX"].id,
        date.today() + timedelta(days=365),
    )
    for name, type_, contact in AGENCIES:
        agency, _ = create_agency(name, type_, "portal", contact=contact)
        create_staff_user(f"agency.{type_}", DEMO_PASSWORD, "agency", agency_id=agency.id, display_name=name)
    _sample_cases()
    db.session.commit()
    return {"loaded": True, "logins": demo_logins()}


def _sample_cases() -> None:
    citizen = User(role="citizen", display_name="演示群众")
    db.session.add(citizen)
    db.session.flush()
    db.session.add(Device(id=str(uuid.uuid4()), user_id=citizen.id, platform="demo"))
    police = db.session.scalar(sa.select(User).where(User.username == "dispatcher"))
    now = utcnow()
    for kind, category, text, lat, lon, landmark, reply in SAMPLE_CASES:
        payload = {
            "report_id": uuid.uuid4(),
            "kind": kind,
            "category": category,
            "description": text,
            "location": {"lat": lat, "lon": lon, "accuracy_m": 25.0, "fixed_at": now, "source": "gps", "landmark": landmark},
        }
        report, _ = create_report(citizen, payload, now)
        if reply:
            add_message(police, report, str(uuid.uuid4()), reply)


def demo_logins() -> list[dict]:
    rows = [("dispatcher", "command centre dispatcher / 情指中心指挥员"), ("admin", "admin / 管理员")]
    rows += [(u, f"officer / 民警 ({c})") for u, c, _ in OFFICERS[:3]]
    rows += [("assistant.shipu", "assistant / 警务助理 (石浦村)"), ("agency.medical", "agency portal / 120")]
    return [{"username": u, "password": DEMO_PASSWORD, "who": w} for u, w in rows]
