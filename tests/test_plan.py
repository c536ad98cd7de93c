from __future__ import annotations

import struct
import zlib
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bulkpost.model import Cell, MediaRef, Post, Row, Target
from bulkpost.plan import MEDIA_URL_BUDGET, ConnectionInfo, build_plan, format_time, sheet_identity

WHEN = datetime(2031, 5, 6, 9, 30, tzinfo=timezone.utc)

CONNECTIONS = [
    {"platformId": "twitter-111", "username": "@acme", "tokenStatus": "valid"},
    {"platformId": "linkedin-AbC", "username": "Acme Ltd", "tokenStatus": "expiring_soon", "tokenExpiresIn": "5d 2h"},
    {"platformId": "mastodon-1", "username": "acme1", "tokenStatus": "valid"},
    {"platformId": "mastodon-2", "username": "acme2", "tokenStatus": "expired"},
    {"platformId": "pinterest-9", "username": "pins", "tokenStatus": "valid"},
]


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b"")


def make_post(number: int, content: str = "Hello", targets: tuple[str, ...] = ("twitter-111",), **kw: object) -> Post:
    row = Row(file="week.csv", sheet=None, number=number, cells={"content": Cell("content", "content", "A", content)})
    tgs = []
    for raw in targets:
        if "-" in raw:
            tgs.append(Target(raw.split("-", 1)[0], raw, raw))
        else:
            tgs.append(Target(raw, None, raw))
    kw.setdefault("scheduled_at", WHEN)
    return Post(row=row, content=content, targets=tgs, **kw)  # type: ignore[arg-type]


def test_format_time_is_publora_shape() -> None:
    assert format_time(WHEN) == "2031-05-06T09:30:00.000Z"
    assert format_time(datetime(2031, 5, 6, 9, 30, 1, 987654, tzinfo=timezone.utc)) == "2031-05-06T09:30:01.987Z"


def test_text_row_is_one_create_with_time() -> None:
    plan = build_plan([make_post(2, targets=("twitter-111", "linkedin-AbC"))], sheet_identity="s", connections=CONNECTIONS)
    assert plan.ok
    (g,) = plan.groups
    assert g.steps == ["create"]
    assert g.create_body() == {
        "content": "Hello",
        "platforms": ["twitter-111", "linkedin-AbC"],
        "scheduledTime": "2031-05-06T09:30:00.000Z",
    }
    s = plan.summary()
    assert (s.groups, s.targets, s.uploads, s.api_calls) == (1, 2, 0, 1)


def test_variants_split_into_groups_and_settings_follow_networks() -> None:
    post = make_post(
        3,
        targets=("twitter-111", "linkedin-AbC", "mastodon-1"),
        variants={"twitter": "Short for X"},
        settings={"twitter": {"replyTo": "123"}, "linkedin": {"repostVisibility": "PUBLIC"}},
        first_comment="first!",
    )
    plan = build_plan([post], sheet_identity="s", connections=CONNECTIONS)
    g2, g1 = plan.groups  # in the order of the row's first target of each group
    assert (g1.content, g1.targets) == ("Hello", ["linkedin-AbC", "mastodon-1"])
    assert (g2.content, g2.targets) == ("Short for X", ["twitter-111"])
    assert g1.platform_settings == {"linkedin": {"repostVisibility": "PUBLIC"}}
    assert g2.platform_settings == {"twitter": {"replyTo": "123"}}
    assert g1.create_body()["firstComment"] == {"text": "first!"}
    assert g1.key("create") != g2.key("create")


def test_local_media_is_draft_upload_schedule_in_sheet_order(tmp_path: Path) -> None:
    (tmp_path / "a.png").write_bytes(png_bytes())
    (tmp_path / "b.png").write_bytes(png_bytes() + b"x" * 10)
    media = [MediaRef("b.png", "media"), MediaRef("a.png", "media")]
    plan = build_plan([make_post(2, media=media)], sheet_identity="s", connections=CONNECTIONS, base_dir=tmp_path)
    (g,) = plan.groups
    assert g.media_mode == "upload"
    assert [m.source for m in g.media] == ["b.png", "a.png"]
    assert all(m.content_type == "image/png" for m in g.media)
    assert g.steps == ["create", "upload:0", "upload:1", "schedule"]
    assert "scheduledTime" not in g.create_body()  # created as a draft first
    s = plan.summary()
    assert s.uploads == 2
    assert s.upload_bytes == (tmp_path / "a.png").stat().st_size + (tmp_path / "b.png").stat().st_size
    assert s.api_calls == 1 + 2 * 2 + 1


def test_draft_with_media_stops_after_uploads(tmp_path: Path) -> None:
    (tmp_path / "a.png").write_bytes(png_bytes())
    plan = build_plan(
        [make_post(2, status="draft", media=[MediaRef("a.png", "media")])], sheet_identity="s", connections=CONNECTIONS, base_dir=tmp_path
    )
    (g,) = plan.groups
    assert g.steps == ["create", "upload:0"]
    assert g.scheduled_time is None


def test_url_media_uses_media_urls_within_budget_then_uploads() -> None:
    urls = [MediaRef(f"https://cdn.example.com/{i}.jpg", "media", url=f"https://cdn.example.com/{i}.jpg") for i in range(10)]
    posts = [make_post(n + 2, content=f"post {n}", media=urls) for n in range(MEDIA_URL_BUDGET // 10 + 1)]
    plan = build_plan(posts, sheet_identity="s", connections=CONNECTIONS)
    modes = [g.media_mode for g in plan.groups]
    assert modes == ["urls"] * (MEDIA_URL_BUDGET // 10) + ["upload"]
    assert plan.groups[0].create_body()["mediaUrls"] == [u.url for u in urls]
    assert plan.summary().media_urls == MEDIA_URL_BUDGET


def test_network_names_resolve_ambiguous_missing_and_pinterest() -> None:
    posts = [
        make_post(2, targets=("twitter",)),
        make_post(3, targets=("mastodon",)),
        make_post(4, targets=("youtube",)),
        make_post(5, targets=("pinterest-9",)),
        make_post(6, targets=("twitter-999",)),
    ]
    plan = build_plan(posts, sheet_identity="s", connections=CONNECTIONS)
    assert [g.row_number for g in plan.groups] == [2]
    assert plan.groups[0].targets == ["twitter-111"]
    codes = {f.row: f.code for f in plan.findings if f.severity == "error"}
    assert codes == {3: "CONNECTION_AMBIGUOUS", 4: "CONNECTION_NOT_FOUND", 5: "PLATFORM_NOT_PUBLISHABLE", 6: "CONNECTION_UNKNOWN"}
    ambiguous = next(f for f in plan.findings if f.code == "CONNECTION_AMBIGUOUS")
    assert "mastodon-1 (acme1)" in ambiguous.message and "mastodon-2 (acme2)" in ambiguous.message
    assert plan.summary().rows_blocked == 4
    missing = next(f for f in plan.findings if f.code == "CONNECTION_NOT_FOUND")
    assert missing.message.endswith(": no YouTube account is connected to this Publora account.")


def test_connection_not_found_names_the_managed_user() -> None:
    user = "65a1b2c3d4e5f60718293a4b"
    connections = {None: CONNECTIONS, user: [{"platformId": "linkedin-U1", "username": "Client", "tokenStatus": "valid"}]}
    posts = [make_post(2, targets=("twitter",), user=user), make_post(3, targets=("twitter",))]
    plan = build_plan(posts, sheet_identity="s", connections=connections)
    assert [g.row_number for g in plan.groups] == [3]  # the key's own account has a Twitter connection
    (missing,) = [f for f in plan.findings if f.code == "CONNECTION_NOT_FOUND"]
    assert missing.row == 2
    assert missing.message == f'Row 2, column "platforms" (X): no X account is connected to managed user {user}.'
    unknown_posts = [make_post(4, targets=("linkedin-NOPE",), user=user)]
    (unknown,) = build_plan(unknown_posts, sheet_identity="s", connections=connections).findings
    assert unknown.code == "CONNECTION_UNKNOWN"
    assert f"is not connected to managed user {user}; connected LinkedIn accounts: linkedin-U1" in unknown.message


def test_expiring_connection_behind_a_network_name_warns_once() -> None:
    posts = [make_post(2, targets=("linkedin", "mastodon-2")), make_post(3, "Again", targets=("linkedin",))]
    plan = build_plan(posts, sheet_identity="s", connections=CONNECTIONS)
    assert plan.ok
    # mastodon-2 (expired) is written as an id: bulkpost.rules warns about it, not the planner.
    assert [(f.code, f.row, f.severity) for f in plan.findings] == [("CONNECTION_EXPIRING", 2, "warning")]
    assert "linkedin-AbC (Acme Ltd) expires soon (5d 2h)" in plan.findings[0].message


def test_offline_plan_keeps_ids_and_reports_bare_names() -> None:
    plan = build_plan([make_post(2, targets=("twitter-5",)), make_post(3, targets=("x",))], sheet_identity="s")
    assert [g.targets for g in plan.groups] == [["twitter-5"]]
    assert [f.code for f in plan.findings] == ["CONNECTION_UNRESOLVED"]


def test_keys_are_deterministic_and_change_with_content() -> None:
    def keys(content: str, ident: str = "s") -> str:
        return build_plan([make_post(2, content=content)], sheet_identity=ident, connections=CONNECTIONS).groups[0].key("create")

    assert keys("Hello") == keys("Hello")
    assert keys("Hello") != keys("Hello!")
    assert keys("Hello") != keys("Hello", "other sheet")
    g = build_plan([make_post(2)], sheet_identity="s", connections=CONNECTIONS).groups[0]
    assert g.key("create") != g.key("schedule") != g.key("create", 1)


def test_keys_survive_inserted_rows_and_duplicates_stay_distinct() -> None:
    first = build_plan([make_post(2, "a"), make_post(3, "b")], sheet_identity="s", connections=CONNECTIONS)
    shifted = build_plan([make_post(2, "new"), make_post(3, "a"), make_post(4, "b")], sheet_identity="s", connections=CONNECTIONS)
    assert [g.key("create") for g in first.groups] == [g.key("create") for g in shifted.groups[1:]]
    twins = build_plan([make_post(2, "same"), make_post(3, "same")], sheet_identity="s", connections=CONNECTIONS)
    a, b = twins.groups
    assert a.row_hash == b.row_hash and (a.occurrence, b.occurrence) == (0, 1)
    assert a.key("create") != b.key("create")


def test_sheet_identity(tmp_path: Path) -> None:
    p = tmp_path / "week.csv"
    assert sheet_identity(p) == sheet_identity(str(p))
    assert sheet_identity(p) != sheet_identity(p, "Sheet2")
    assert sheet_identity(p, batch_id="spring") == "batch:spring"


def test_connection_info_from_model_like_objects() -> None:
    class Conn:
        platform_id = "telegram--100123"
        username = None
        display_name = "Channel"
        token_status = "valid"
        token_expires_in = None

    info = ConnectionInfo.coerce(Conn())
    assert (info.network, info.label) == ("telegram", "telegram--100123 (Channel)")


@pytest.mark.parametrize("name", ["notes.txt"])
def test_non_media_file_blocks_the_row(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_text("hello")
    plan = build_plan([make_post(2, media=[MediaRef(name, "media")])], sheet_identity="s", connections=CONNECTIONS, base_dir=tmp_path)
    assert plan.groups == []
    assert [f.code for f in plan.findings] == ["MEDIA_UNREADABLE"]
