"""check_posts: every rule fires on the post that breaks it, and only there; limits as data."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from bulkpost.findings import ERROR, WARNING, Finding
from bulkpost.model import Cell, MediaRef, Post, Row, Target, column_letter, split_thread
from bulkpost.rules import CODES, RuleContext, check_posts, diff_limits, load_limits
from bulkpost.rules.limits import Limits

DATA = Path(__file__).resolve().parent / "data"
T0 = datetime(2026, 12, 10, 9, 0, tzinfo=timezone.utc)


def make_post(
    networks: str | list[str] = "twitter",
    content: str = "Hello world",
    *,
    number: int = 2,
    media: list[Path | str] | None = None,
    variants: dict[str, str] | None = None,
    title: str | None = None,
    first_comment: str | None = None,
    when: datetime | None = T0,
    status: str = "scheduled",
    settings: dict[str, dict[str, Any]] | None = None,
) -> Post:
    """A Post as the validator builds it, with a Row whose cells hold the same values."""
    nets = [networks] if isinstance(networks, str) else networks
    targets = []
    for n in nets:
        net, _, cid = n.partition(":")
        targets.append(Target(net, f"{net}-{cid}" if cid else None, n))
    values: dict[str, Any] = {"platforms": ",".join(nets), "content": content, "scheduled_time": str(when)}
    for k, v in (variants or {}).items():
        values[f"content_{k}"] = v
    if title is not None:
        values["title"] = title
    if first_comment is not None:
        values["first_comment"] = first_comment
    refs = []
    for i, m in enumerate(media or [], 1):
        key = f"media_{i}"
        values[key] = str(m)
        if isinstance(m, str) and "://" in m:
            refs.append(MediaRef(m, key, url=m))
        else:
            refs.append(MediaRef(str(m), key, path=Path(m)))
    cells = {k: Cell(k, k, column_letter(i), v) for i, (k, v) in enumerate(values.items())}
    row = Row("posts.csv", None, number, cells)
    return Post(
        row=row,
        content=content,
        variants=dict(variants or {}),
        targets=targets,
        scheduled_at=when,
        status=status,
        media=refs,
        title=title,
        first_comment=first_comment,
        settings=settings or {},
    )


def run(*posts: Post, **ctx: Any) -> list[Finding]:
    return list(check_posts(list(posts), RuleContext(**ctx)))


def codes(findings: list[Finding]) -> set[str]:
    return {f.code for f in findings}


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("media")
    out: dict[str, Path] = {}

    def img(name: str, size: tuple[int, int], fmt: str, **kw: Any) -> None:
        Image.new("RGB", size, (200, 30, 30)).save(d / name, fmt, **kw)
        out[name] = d / name

    img("square.jpg", (600, 600), "JPEG")
    img("tall.jpg", (400, 1000), "JPEG")  # 0.4: outside Instagram's 4:5
    img("wide.png", (2000, 90), "PNG")  # 22:1, outside Threads' and Telegram's ranges
    img("photo.gif", (64, 64), "GIF")
    frames = [Image.new("RGB", (32, 32), c) for c in ((255, 0, 0), (0, 255, 0))]
    frames[0].save(d / "anim.gif", "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    out["anim.gif"] = d / "anim.gif"
    img("big.png", (6100, 6000), "PNG", compress_level=1)  # 36.6 MP, over LinkedIn's gate
    noise = Image.effect_noise((1500, 1500), 100).convert("RGB")
    noise.save(d / "noisy.png", "PNG")  # > 2 MB: over Bluesky's image limit
    out["noisy.png"] = d / "noisy.png"
    (d / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 10 + b"garbage" * 20)
    out["broken.jpg"] = d / "broken.jpg"
    (d / "doc.pdf").write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    out["doc.pdf"] = d / "doc.pdf"
    out["short.mp4"] = DATA / "short.mp4"  # 2 s, 15 fps, 320x180
    out["long_tall.mp4"] = DATA / "long_tall.mp4"  # 150 s, 1 fps, 48x192
    return out


# --- text -----------------------------------------------------------------------------------


def test_clean_post_has_no_findings() -> None:
    post = make_post(["twitter", "linkedin", "bluesky", "mastodon", "threads", "facebook", "telegram"], "Hello 👋 https://example.com")
    assert run(post) == []


def test_x_over_length_is_a_warning_and_an_error_when_strict() -> None:
    post = make_post("twitter", "word " * 70)  # 350
    [f] = run(post)
    assert (f.code, f.severity, f.platform, f.row, f.column) == ("CONTENT_TOO_LONG", WARNING, "twitter", 2, "content")
    assert f.message == (
        'Row 2, column "content" (X): 350 characters as X counts them; X allows 280. Publora will split it '
        'into a thread; to choose the split yourself, add lines "---".'
    )
    [f] = run(post, strict=True)
    assert f.severity == ERROR


def test_x_counts_weighted_not_len() -> None:
    assert run(make_post("twitter", "日" * 140)) == []
    [f] = run(make_post("twitter", "日" * 141))
    assert "282 characters as X counts them" in f.message


def test_x_premium_connection_allows_25000() -> None:
    post = make_post("twitter:1", "a" * 1000)
    assert codes(run(post)) == {"CONTENT_TOO_LONG"}
    premium = {"twitter-1": {"subscriptionType": "Premium"}}
    assert run(post, connections=premium) == []
    basic = {"twitter-1": {"subscriptionType": "Basic"}}
    assert codes(run(post, connections=basic)) == {"CONTENT_TOO_LONG"}


def test_thread_parts_counted_per_part_on_x_and_threads() -> None:
    text = "a" * 200 + "\n---\n" + "b" * 270
    assert run(make_post(["twitter", "threads"], text)) == []
    text = "a" * 200 + "\n---\n" + "b" * 290
    found = run(make_post(["twitter", "threads"], text))
    assert [(f.code, f.platform) for f in found] == [("THREAD_PART_TOO_LONG", "twitter")]
    assert "part 2 of 2" in found[0].message and found[0].severity == ERROR
    assert split_thread(text)[1] == "b" * 290


def test_thread_separator_warns_where_not_threading() -> None:
    found = run(make_post(["linkedin", "twitter"], "one\n---\ntwo"))
    assert [(f.code, f.platform, f.severity) for f in found] == [("THREAD_SEPARATOR_IGNORED", "linkedin", WARNING)]


@pytest.mark.parametrize(
    ("network", "ok", "bad"),
    [
        ("linkedin", "a" * 3000, "a" * 3001),
        ("facebook", "a" * 63206, "a" * 63207),
        ("tiktok", "a" * 2200, "a" * 2201),
        ("bluesky", "é" * 300, "é" * 301),
        ("mastodon", "a" * 500, "a" * 501),
        ("telegram", "a" * 4096, "a" * 4097),
        ("youtube", "é" * 2500, "é" * 2501),  # 5,000 bytes
    ],
    ids=lambda v: v if len(v) < 20 else f"{len(v)}chars",
)
def test_limits_at_the_boundary(network: str, ok: str, bad: str, media: dict[str, Path]) -> None:
    files = [media["short.mp4"]] if network in ("tiktok", "youtube") else None
    assert "CONTENT_TOO_LONG" not in codes(run(make_post(network, ok, media=files)))
    found = [f for f in run(make_post(network, bad, media=files)) if f.code == "CONTENT_TOO_LONG"]
    assert len(found) == 1 and found[0].severity == ERROR and found[0].platform == network


def test_mastodon_limit_is_configurable_and_links_count_23() -> None:
    text = "a" * 470 + " https://example.com/" + "p" * 100
    assert run(make_post("mastodon", text)) == []
    assert codes(run(make_post("mastodon", "a" * 600), mastodon_limit=1000)) == set()
    assert codes(run(make_post("mastodon", "a" * 600))) == {"CONTENT_TOO_LONG"}


def test_bluesky_bytes_and_publora_utf16_count() -> None:
    family = "👨‍👩‍👧‍👦"
    found = run(make_post("bluesky", family * 150))  # 150 graphemes, 3,750 bytes, 1,650 UTF-16 units
    assert codes(found) == {"CONTENT_TOO_MANY_BYTES", "PUBLORA_COUNT_OVER_LIMIT"}
    found = run(make_post("bluesky", "🚀" * 200))  # 200 graphemes, 800 bytes, 400 UTF-16 units
    assert [(f.code, f.severity) for f in found] == [("PUBLORA_COUNT_OVER_LIMIT", WARNING)]
    assert run(make_post("bluesky", "🚀" * 200), strict=True)[0].severity == ERROR


def test_variants_are_checked_against_their_own_network_only() -> None:
    post = make_post(["twitter", "linkedin"], "a" * 2000, variants={"twitter": "short for X"})
    found = run(post)
    assert found == []  # 2,000 fits LinkedIn; X gets its own short text
    post = make_post(["twitter", "linkedin"], "fine", variants={"linkedin": "a" * 3500})
    [f] = run(post)
    assert (f.code, f.platform, f.column) == ("CONTENT_TOO_LONG", "linkedin", "content_linkedin")


def test_telegram_caption_with_media(media: dict[str, Path]) -> None:
    text = "a" * 1500
    assert run(make_post("telegram", text)) == []
    found = run(make_post("telegram", text, media=[media["square.jpg"]]))
    assert codes(found) == {"CAPTION_TOO_LONG"}
    assert "1,500 characters" in found[0].message and "1,024" in found[0].message


def test_youtube_title_and_angle_brackets(media: dict[str, Path]) -> None:
    vid = [media["short.mp4"]]
    found = run(make_post("youtube", "Use <b> tags", title="T" * 101, media=vid))
    assert {(f.code, f.column) for f in found} >= {("INVALID_CHARACTERS", "content"), ("TITLE_TOO_LONG", "title")}
    found = run(make_post("youtube", "ok", title="a > b", media=vid))
    assert [(f.code, f.column) for f in found if f.code != "VIDEO_DURATION_TOO_SHORT"] == [("INVALID_CHARACTERS", "title")]
    settings = {"youtube": {"title": "x" * 120}}
    found = run(make_post("youtube", "ok", media=vid, settings=settings))
    assert [f.code for f in found] == ["TITLE_TOO_LONG"]


def test_instagram_hashtag_cap_and_mentions(media: dict[str, Path]) -> None:
    img = [media["square.jpg"]]
    six = " ".join(f"#tag{i}" for i in range(6))
    assert codes(run(make_post("instagram", six, media=img))) == {"TOO_MANY_HASHTAGS"}
    assert run(make_post("instagram", six, media=img), hashtag_cap=30) == []
    tags = " ".join(f"@user{i}" for i in range(21))
    assert codes(run(make_post("instagram", tags, media=img))) == {"TOO_MANY_MENTIONS"}


def test_threads_link_limit() -> None:
    five = " ".join(f"https://site{i}.com" for i in range(5))
    assert run(make_post("threads", five)) == []
    assert codes(run(make_post("threads", five + " https://other.org"))) == {"TOO_MANY_LINKS"}
    # a thread: each part is its own post
    assert run(make_post("threads", five + "\n---\n" + five.replace("site", "other"))) == []
    [f] = run(make_post("threads", "intro\n---\n" + five + " https://other.org"))
    assert f.code == "TOO_MANY_LINKS" and "part 2 of the thread has 6 distinct links" in f.message


def test_first_comment_limits() -> None:
    post = make_post(["linkedin", "facebook"], "post", first_comment="c" * 1251)
    found = run(post)
    assert [(f.code, f.platform, f.column) for f in found] == [("FIRST_COMMENT_TOO_LONG", "linkedin", "first_comment")]
    assert run(make_post("twitter", "post", first_comment="日" * 140)) == []
    assert codes(run(make_post("twitter", "post", first_comment="日" * 141))) == {"FIRST_COMMENT_TOO_LONG"}


# --- media ------------------------------------------------------------------------------------


def test_media_required_and_video_required(media: dict[str, Path]) -> None:
    found = run(make_post(["instagram", "tiktok", "youtube", "twitter"], "hi"))
    assert sorted((f.code, f.platform) for f in found) == [
        ("MEDIA_REQUIRED", "instagram"), ("MEDIA_REQUIRED", "tiktok"), ("MEDIA_REQUIRED", "youtube")]
    draft = run(make_post("instagram", "hi", status="draft", when=None))
    assert [(f.code, f.severity) for f in draft] == [("MEDIA_REQUIRED", WARNING)]
    found = run(make_post("youtube", "hi", media=[media["square.jpg"]]))
    assert codes(found) == {"VIDEO_REQUIRED", "IMAGES_NOT_SUPPORTED"}


def test_media_count(media: dict[str, Path]) -> None:
    five = [media["square.jpg"]] * 5
    found = run(make_post(["twitter", "linkedin"], "hi", media=five))
    assert [(f.code, f.platform, f.column) for f in found] == [("MEDIA_COUNT_EXCEEDED", "twitter", "media_5")]
    tiktok = run(make_post("tiktok", "hi", media=[media["square.jpg"]] * 36))
    assert [(f.code, f.column) for f in tiktok] == [("MEDIA_COUNT_EXCEEDED", "media_36")]
    assert run(make_post("tiktok", "hi", media=[media["square.jpg"]] * 35)) == []
    two_videos = run(make_post("facebook", "hi", media=[media["short.mp4"], media["short.mp4"]]))
    assert codes(two_videos) == {"MEDIA_COUNT_EXCEEDED"}


def test_media_mixed(media: dict[str, Path]) -> None:
    found = run(make_post("facebook", "hi", media=[media["square.jpg"], media["short.mp4"]]))
    assert codes(found) == {"MEDIA_MIXED"}


def test_media_type_and_documents(media: dict[str, Path]) -> None:
    found = run(make_post("instagram", "hi", media=[media["photo.gif"]]))
    assert codes(found) == {"MEDIA_TYPE_NOT_SUPPORTED"}
    assert "GIF" in found[0].message and "JPEG, PNG, WEBP" in found[0].message
    assert run(make_post("linkedin", "hi", media=[media["doc.pdf"]])) == []
    assert codes(run(make_post("facebook", "hi", media=[media["doc.pdf"]]))) == {"DOCUMENTS_NOT_SUPPORTED"}


def test_media_size_dimensions_aspect(media: dict[str, Path]) -> None:
    assert media["noisy.png"].stat().st_size > 2_000_000
    assert codes(run(make_post("bluesky", "hi", media=[media["noisy.png"]]))) == {"MEDIA_SIZE_EXCEEDED"}
    assert codes(run(make_post("linkedin", "hi", media=[media["big.png"]]))) == {"MEDIA_DIMENSIONS_INVALID"}
    assert codes(run(make_post("telegram", "hi", media=[media["wide.png"]]))) == {"MEDIA_ASPECT_RATIO_INVALID"}
    found = run(make_post("instagram", "hi", media=[media["tall.jpg"]]))
    assert codes(found) == {"MEDIA_ASPECT_RATIO_INVALID"}
    assert "400x1000" in found[0].message


def test_video_duration_fps_aspect(media: dict[str, Path]) -> None:
    found = run(make_post("twitter", "hi", media=[media["long_tall.mp4"]]))
    assert codes(found) == {"VIDEO_DURATION_EXCEEDED", "MEDIA_ASPECT_RATIO_INVALID"}
    found = run(make_post("tiktok", "hi", media=[media["short.mp4"]]))
    assert codes(found) == {"VIDEO_DURATION_TOO_SHORT", "VIDEO_FPS_INVALID"}
    assert run(make_post("twitter", "hi", media=[media["short.mp4"]])) == []


def test_video_codec_and_rotation(media: dict[str, Path]) -> None:
    found = run(make_post(["twitter", "facebook"], "hi", media=[DATA / "mpeg4.mp4"]))
    assert [(f.code, f.platform, f.severity) for f in found] == [("VIDEO_CODEC_NOT_SUPPORTED", "twitter", WARNING)]
    assert "MPEG-4 Visual video; X takes H.264" in found[0].message
    assert run(make_post("twitter", "hi", media=[DATA / "rotated.mp4"])) == []


def test_aspect_ratio_is_checked_as_displayed(tmp_path: Path) -> None:
    # stored 1800x1000 (1.8, fine for Instagram) with EXIF orientation 6: displayed 1000x1800 (0.56)
    path = tmp_path / "phone.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.new("RGB", (1800, 1000)).save(path, "JPEG", exif=exif)
    [f] = run(make_post("instagram", "hi", media=[path]))
    assert f.code == "MEDIA_ASPECT_RATIO_INVALID" and "1000x1800" in f.message
    plain = tmp_path / "plain.jpg"
    Image.new("RGB", (1800, 1000)).save(plain, "JPEG")
    assert run(make_post("instagram", "hi", media=[plain])) == []


def test_animated_gif_on_x(media: dict[str, Path]) -> None:
    found = run(make_post("twitter", "hi", media=[media["anim.gif"], media["square.jpg"]]))
    assert codes(found) == {"MEDIA_COUNT_EXCEEDED", "MEDIA_ANIMATION_LOST"}


def test_unreadable_missing_and_mislabelled_files(media: dict[str, Path], tmp_path: Path) -> None:
    found = run(make_post("twitter", "hi", media=[media["broken.jpg"], tmp_path / "nope.png"]))
    assert [(f.code, f.column) for f in found] == [("MEDIA_UNREADABLE", "media_1"), ("MEDIA_NOT_FOUND", "media_2")]
    assert "broken.jpg" in found[0].message and "nope.png" in found[1].message
    fake = tmp_path / "really_webp.jpg"
    Image.new("RGB", (100, 100)).save(fake, "WEBP")
    found = run(make_post("twitter", "hi", media=[fake]))
    assert [(f.code, f.severity) for f in found] == [("MEDIA_EXTENSION_MISMATCH", WARNING)]
    assert "image/webp" in found[0].message


def test_media_urls_rules() -> None:
    urls = [
        "http://example.com/a.jpg",
        "https://user:pw@example.com/a.jpg",
        "https://example.com:8443/a.jpg",
        "https://localhost/a.jpg",
        "https://10.0.0.7/a.jpg",
        "https://[::1",
        "https://cdn.example.com/ok.jpg",
    ]
    found = run(make_post("twitter", "hi", media=urls))
    assert [(f.code, f.column) for f in found] == [
        ("MEDIA_URL_PROTOCOL", "media_1"),
        ("MEDIA_URL_CREDENTIALS", "media_2"),
        ("MEDIA_URL_PORT", "media_3"),
        ("MEDIA_URL_BLOCKED_HOST", "media_4"),
        ("MEDIA_URL_BLOCKED_HOST", "media_5"),
        ("MEDIA_URL_INVALID", "media_6"),
    ]
    eleven = [f"https://cdn.example.com/{i}.jpg" for i in range(11)]
    found = run(make_post("facebook", "hi", media=eleven))
    assert codes(found) == {"MEDIA_URL_COUNT_EXCEEDED", "MEDIA_COUNT_EXCEEDED"}


def test_each_file_is_inspected_once(media: dict[str, Path]) -> None:
    ctx = RuleContext()
    posts = [make_post(["twitter", "facebook"], f"post {i}", number=i + 2, media=[media["square.jpg"], media["short.mp4"]],
                       when=T0 + timedelta(hours=i)) for i in range(50)]
    list(check_posts(posts, ctx))
    assert ctx.media_cache.inspections == 2


# --- across rows ------------------------------------------------------------------------------


def test_duplicate_text_within_48_hours() -> None:
    a = make_post("twitter:1", "Same words", number=2)
    b = make_post("twitter:1", "Same words", number=3, when=T0 + timedelta(hours=47))
    c = make_post("twitter:1", "Same words", number=4, when=T0 + timedelta(hours=100))
    d = make_post("twitter:2", "Same words", number=5, when=T0 + timedelta(hours=1))
    found = run(a, b, c, d)
    assert [(f.code, f.row) for f in found] == [("DUPLICATE_TEXT", 3)]
    assert "47 h after row 2" in found[0].message


def test_same_minute_and_daily_cap() -> None:
    posts = [make_post("linkedin:9", f"post {i}", number=i + 2, when=T0 + timedelta(minutes=10 * i)) for i in range(4)]
    posts.append(make_post("linkedin:9", "again", number=6, when=T0 + timedelta(seconds=30)))
    found = run(*posts, daily_cap=3)
    assert sorted((f.code, f.row) for f in found) == [("DAILY_CAP_EXCEEDED", 4), ("SAME_MINUTE", 6)]
    assert run(*posts[:4], daily_cap=None) == []


def test_connection_health() -> None:
    posts = [make_post("linkedin:1", "a", number=2), make_post("linkedin:1", "b", number=3, when=T0 + timedelta(hours=2)),
             make_post("tiktok:2", "c", number=4, media=[DATA / "short.mp4"]),
             make_post("mastodon:3", "d", number=5, when=T0 + timedelta(days=30))]
    facts = {
        "linkedin-1": {"tokenStatus": "expired"},
        "tiktok-2": {"tokenStatus": "expiring_soon", "tokenExpiresIn": "5d 2h"},
        "mastodon-3": {"tokenStatus": "valid", "accessTokenExpiresAt": "2026-12-20T00:00:00.000Z"},
    }
    found = [f for f in run(*posts, connections=facts) if f.code.startswith("CONNECTION")]
    assert [(f.code, f.row) for f in found] == [("CONNECTION_EXPIRED", 2), ("CONNECTION_EXPIRING", 4), ("CONNECTION_EXPIRING", 5)]
    assert "5d 2h" in found[1].message


# --- limits as data ---------------------------------------------------------------------------


def test_snapshot_covers_all_11_networks() -> None:
    from bulkpost.networks import NETWORKS

    limits = load_limits()
    assert set(limits.networks) == set(NETWORKS)
    assert limits.updated == "2026-03-11" and limits.source == "snapshot"
    assert limits["twitter"].chars == 280 and limits["twitter"].chars_premium == 25000
    assert limits["tiktok"].images.max_count == 35 and limits["tiktok"].requires_media
    assert limits["youtube"].requires_video and not limits["youtube"].images.supported


def test_live_response_parsing_and_diff() -> None:
    snap = load_limits()
    live_body = json.loads(json.dumps(snap.raw))
    live_body["limitsLastUpdated"] = "2026-11-30"
    live_body["platforms"]["twitter"]["videos"]["maxDurationSeconds"] = 180
    live_body["platforms"]["tiktok"]["characters"] = {"standard": 4000}
    del live_body["platforms"]["pinterest"]
    live = Limits.from_response(live_body, fallback=snap)
    assert live.source == "live" and live.updated == "2026-11-30"
    assert live["twitter"].videos.max_duration == 180
    assert live["tiktok"].chars == 4000
    assert live["pinterest"] == snap["pinterest"]  # left out: the snapshot's
    changes = [str(c) for c in diff_limits(snap, live)]
    assert changes == ["tiktok.characters.standard: 2200 -> 4000", "twitter.videos.maxDurationSeconds: 140 -> 180"]
    # the live table drives the checks
    post = make_post("tiktok", "a" * 3000, media=[DATA / "short.mp4"])
    assert "CONTENT_TOO_LONG" in codes(run(post))
    assert "CONTENT_TOO_LONG" not in codes(run(post, limits=live))


def test_documented_twitter_object_parses_alone() -> None:
    body = {"success": True, "limitsLastUpdated": "2026-03-11", "platforms": {"twitter": {
        "platform": "twitter", "displayName": "Twitter/X", "characters": {"standard": 280, "premium": 25000},
        "images": {"supported": True, "maxSizeBytes": 5242880, "maxCount": 4, "formats": ["image/jpeg", "image/png"]},
        "videos": {"supported": True, "maxDurationSeconds": 140, "minDurationSeconds": 0.5, "maxSizeBytes": 536870912,
                   "maxCount": 1, "formats": ["video/mp4"], "aspectRatioRange": {"min": 0.3333333333333333, "max": 3}},
        "requirements": {"requiresMedia": False, "requiresVideo": False, "supportsTextOnly": True, "supportsThreading": True},
        "documents": None, "gifs": None, "thumbnails": None}}}
    limits = Limits.from_response(body)
    assert limits["twitter"].threading and limits["twitter"].videos.max_aspect == 3
    assert "linkedin" not in limits


def test_bad_live_response_is_an_api_error() -> None:
    from bulkpost.errors import APIResponseValidationError

    with pytest.raises(APIResponseValidationError):
        Limits.from_response({"success": True})


def test_every_code_is_documented() -> None:
    import inspect

    from bulkpost.rules import checks

    source = inspect.getsource(checks)
    used = set(__import__("re").findall(r'"([A-Z][A-Z0-9_]{4,})"', source)) - {"Premium", "PremiumPlus"}
    used = {c for c in used if "_" in c}
    assert used <= set(CODES), used - set(CODES)


def test_connect_only_network_is_left_to_the_validator() -> None:
    # Pinterest needs media too, but Publora never publishes to it: the validator reports
    # PLATFORM_NOT_PUBLISHABLE, and the rules add nothing on top.
    assert run(make_post("pinterest", "x" * 900)) == []


def test_a_repeated_row_is_one_same_minute_warning_not_also_a_duplicate_text() -> None:
    a = make_post("twitter:1", "Same words", number=2)
    b = make_post("twitter:1", "Same words", number=3)
    assert [(f.code, f.row) for f in run(a, b)] == [("SAME_MINUTE", 3)]


def test_rows_of_different_managed_users_are_different_accounts() -> None:
    # "linkedin" in a row of user A and in a row of user B are two people's accounts: no
    # SAME_MINUTE between them; two rows of one user still are
    a = make_post("linkedin", "Client A news", number=2)
    b = make_post("linkedin", "Client B news", number=3)
    c = make_post("linkedin", "More from B", number=4)
    a.user, b.user, c.user = "a" * 24, "b" * 24, "b" * 24
    found = [(f.code, f.row, f.message) for f in run(a, b, c)]
    assert [(code, row) for code, row, _ in found] == [("SAME_MINUTE", 4)]
    assert "row 3 already posts to the LinkedIn account of user " + "b" * 24 in found[0][2]


def test_connection_facts_from_the_connections_response() -> None:
    from bulkpost.rules import connection_facts

    body = {"success": True, "connections": [
        {"platformId": "twitter-1", "username": "a", "tokenStatus": "valid", "subscriptionType": "PremiumPlus"},
        {"platformId": "linkedin-Tz9W5i6ZYG", "tokenStatus": "expired", "accessTokenExpiresAt": None},
        {"username": "no id"},
    ]}
    facts = connection_facts(body)
    assert set(facts) == {"twitter-1", "linkedin-Tz9W5i6ZYG"}
    post = make_post(["twitter:1", "linkedin:Tz9W5i6ZYG"], "a" * 1000)
    found = run(post, connections=facts)
    # 1,000 characters: fine for a PremiumPlus X account and for LinkedIn; the expired one warns
    assert [(f.code, f.platform) for f in found] == [("CONNECTION_EXPIRED", "linkedin")]
