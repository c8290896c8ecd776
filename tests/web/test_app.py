"""The web app in-process: pages, forms through the library, audio by id, and what it refuses."""

from __future__ import annotations

import re
from pathlib import Path

from starlette.testclient import TestClient

from clipfinder import Index
from clipfinder.coaching.loop import commitments, pins
from clipfinder.web.app import create_app

from ..conftest import add_call
from .conftest import NOW, csrf_of


def test_every_page_renders_with_the_index_s_data(client, coached_db):
    with Index(coached_db) as index:
        reps, calls = index.reps(), index.calls()
    team = client.get("/")
    assert team.status_code == 200
    assert re.findall(r'data-rep="([^"]+)"', team.text) == reps
    assert "Ask how they handle onboarding today" in team.text and ">met<" in team.text
    for path in ("/search?skill=discovery", "/reps/alice", "/reps/ALICE", f"/calls/{calls[0].id}", "/reps/bob/prep"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert "Traceback" not in page.text
    call = client.get(f"/calls/{calls[0].id}").text
    assert call.count('class="turn ') >= 3 and 'id="call-audio"' in call and "Expected but not detected" in call


def test_search_shows_clips_and_passages_and_says_when_it_guessed(client):
    page = client.get("/search", params={"q": "pricing"}).text
    assert page.count('class="result clip"') >= 1
    assert 'class="w searched"' in page or 'class="w hit searched"' in page
    assert "audio.mp3" in page
    typo = client.get("/search", params={"q": "scedule"}).text
    assert 'id="fallback-note"' in typo and "scedule -&gt; schedul" in typo and 'class="result clip"' in typo
    none = client.get("/search", params={"q": "zebra"}).text
    assert 'id="no-results"' in none
    bad = client.get("/search", params={"conf": "lots"})
    assert bad.status_code == 400 and "a number from 0 to 1" in bad.text


def test_a_passage_outside_every_clip_plays_its_window(coached_db, tmp_path):
    with Index(coached_db) as index:
        filler = [("prospect", "we talked about the weather and the team offsite for a while")] * 12
        add_call(index, [*filler, ("prospect", "the invoice from last quarter was wrong"), *filler], rep="bob")
    client = TestClient(create_app(coached_db, cache=tmp_path / "a", now=NOW), follow_redirects=False)
    page = client.get("/search", params={"q": "invoice"}).text
    assert 'class="result passage"' in page
    assert re.search(r'src="/calls/\d+/window\.mp3\?start=[\d.]+&amp;end=[\d.]+"', page)


def test_clip_audio_is_cut_once_and_served_with_ranges(client, coached_db, tmp_path):
    with Index(coached_db) as index:
        clip_id = index._db.execute("select min(id) from clips").fetchone()[0]
    whole = client.get(f"/clips/{clip_id}/audio.mp3")
    assert whole.status_code == 200 and whole.headers["content-type"] == "audio/mpeg"
    assert whole.content[:3] == b"ID3" or whole.content[0] == 0xFF
    cached = list((tmp_path / "audio").glob("*.mp3"))
    assert len(cached) == 1
    part = client.get(f"/clips/{clip_id}/audio.mp3", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == whole.content[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(whole.content)}"
    assert list((tmp_path / "audio").glob("*.mp3")) == cached  # not cut again
    assert client.get("/clips/999999/audio.mp3").status_code == 404
    assert client.get("/calls/1/window.mp3", params={"start": 0, "end": 700}).status_code == 400


def test_paths_in_requests_never_reach_the_file_system(client):
    for path in (
        "/static/../app.py",
        "/static/%2e%2e/app.py",
        "/static/..%2fapp.py",
        "/static/%2e%2e/%2e%2e/store/index.py",
        "/static/",
        "/calls/..%2f..%2fetc%2fpasswd/audio",
        "/clips/%2e%2e/audio.mp3",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "import" not in response.text
    # a path in the query is not used: the call's own recording is sent
    own = client.get("/calls/1/audio", params={"path": "/etc/passwd"})
    assert own.status_code == 200 and own.content == Path(_call_path(client)).read_bytes()


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(client, coached_db):
    before = len(_commitments(coached_db))
    for form in ({"text": "Sneaky"}, {"text": "Sneaky", "csrf": "guess"}):
        refused = client.post("/reps/alice/commit", data=form)
        assert refused.status_code == 403 and "reload the page" in refused.text
    assert client.post("/clips/1/pin", data={}).status_code == 403
    assert len(_commitments(coached_db)) == before


def test_forms_write_through_the_library_and_say_what_happened(client, coached_db):
    token = csrf_of(client)
    made = client.post(
        "/reps/alice/commit", data={"csrf": token, "text": "Ask for the decision process", "date": "2026-11-20T09:30"}
    )
    assert made.status_code == 303 and made.headers["location"].startswith("/reps/alice?done=")
    assert _commitments(coached_db)[-1].text == "Ask for the decision process"
    back = client.get(made.headers["location"]).text
    assert "commitment saved (discovery)" in back and "Ask for the decision process" in back
    # the CLI's rules, in the CLI's words
    empty = client.post("/reps/alice/commit", data={"csrf": token, "text": "  "})
    assert "error=" in empty.headers["location"]
    assert "the commitment text is empty" in client.get(empty.headers["location"]).text
    six = client.post("/reps/alice/score", data={"csrf": token, "score": "6"})
    assert "a self-score is a whole number from 1 to 5" in client.get(six.headers["location"]).text
    focus = client.post("/reps/bob/focus", data={"csrf": token, "skill": "NEXT-STEPS", "since": "2026-11-16"})
    assert "next-steps in focus for bob" in client.get(focus.headers["location"]).text
    pinned = client.post("/clips/1/pin", data={"csrf": token, "next": "/search?q=price"})
    assert pinned.headers["location"].startswith("/search?q=price&done=")
    with Index(coached_db) as index:
        assert [p.clip_id for p in pins(index, index.find_call(_clip_call(index, 1)).rep)] == [1]
    elsewhere = client.post("/clips/1/pin", data={"csrf": token, "next": "//evil.example/x"})
    assert elsewhere.headers["location"].startswith("/?done=")


def test_metadata_is_escaped(coached_db, tmp_path):
    with Index(coached_db) as index:
        add_call(index, [("rep", "hello there")], rep="eve<script>alert(1)", account="<img src=x onerror=1>")
    client = TestClient(create_app(coached_db, cache=tmp_path / "a", now=NOW))
    team = client.get("/").text
    assert "<script>alert(1)" not in team and "eve&lt;script&gt;alert(1)" in team
    rep = client.get("/reps/eve%3Cscript%3Ealert(1)")
    assert rep.status_code == 200 and "<img src=x" not in rep.text


def test_read_only_index_shows_a_banner_and_refuses_changes(coached_db, tmp_path):
    client = TestClient(create_app(coached_db, cache=tmp_path / "a", now=NOW, writable=False))
    page = client.get("/reps/alice").text
    assert 'id="read-only"' in page and "disabled" in page
    token = csrf_of(client)
    refused = client.post("/reps/alice/commit", data={"csrf": token, "text": "Try"}, follow_redirects=False)
    assert refused.status_code == 403 and "read-only" in refused.text
    assert client.get("/search", params={"q": "price"}).status_code == 200


def test_read_only_is_asked_of_the_file_system(coached_db, tmp_path, monkeypatch):
    import os

    client = TestClient(create_app(coached_db, cache=tmp_path / "a", now=NOW))
    assert 'id="read-only"' not in client.get("/").text
    monkeypatch.setattr(os, "access", lambda path, mode: mode != os.W_OK)
    assert 'id="read-only"' in client.get("/").text


def test_a_token_guards_every_request_when_set(coached_db, tmp_path):
    client = TestClient(create_app(coached_db, cache=tmp_path / "a", token="s3cret-token-123"), follow_redirects=False)
    assert client.get("/").status_code == 401
    assert client.get("/clips/1/audio.mp3").status_code == 401
    assert client.get("/?token=wrong-token-000").status_code == 401
    entered = client.get("/search?q=price&token=s3cret-token-123")
    assert entered.status_code == 303 and entered.headers["location"] == "/search?q=price"
    assert client.get("/").status_code == 200  # the cookie carries it from now on


def test_other_host_names_are_refused_and_headers_are_strict(client):
    assert client.get("/", headers={"Host": "attacker.example"}).status_code == 400
    page = client.get("/")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"


def test_errors_are_pages_not_tracebacks(client):
    for path, status, says in (
        ("/reps/zed", 404, "zed&#39;; reps in the index: alice, bob"),
        ("/calls/99999", 404, "no call"),
        ("/nowhere", 404, "no such page"),
    ):
        response = client.get(path)
        assert response.status_code == status and says in response.text.lower(), path
        assert "Traceback" not in response.text


def _commitments(db):
    with Index(db) as index:
        return commitments(index, "alice")


def _clip_call(index, clip_id):
    from clipfinder.read.search import get_clip

    return get_clip(index, clip_id).call_id


def test_the_prep_on_the_page_streams_its_clips_and_the_download_carries_them(client):
    shown = client.get("/reps/alice/prep")
    assert shown.status_code == 200 and "content-disposition" not in shown.headers
    assert re.search(r"src='/clips/\d+/audio\.mp3'", shown.text) and "data:audio" not in shown.text
    saved = client.get("/reps/alice/prep", params={"download": "1"})
    assert saved.headers["content-disposition"] == 'attachment; filename="alice-prep-2026-11-20.html"'
    assert saved.text.count("src='data:audio/mpeg;base64,") == 2
    # the same sections as the page `clipfinder prep` writes
    for section in ("commitment", "positive", "coaching-clip", "metrics", "trend", "agenda"):
        assert f"id='{section}'" in saved.text


def _call_path(client):
    with Index(client.app.state.served.db) as index:
        return index.find_call(1).path


def test_odd_tokens_and_other_websites_are_refused_not_crashes(coached_db, tmp_path):
    client = TestClient(create_app(coached_db, cache=tmp_path / "a", token="pässwört-12345"), follow_redirects=False)
    assert client.get("/?token=é").status_code == 401
    assert client.get("/?token=pässwört-12345").status_code == 303
    local = TestClient(create_app(coached_db, cache=tmp_path / "b", now=NOW), follow_redirects=False)
    assert local.post("/reps/alice/commit", data={"csrf": "é", "text": "x"}).status_code == 403
    # another site's page may link to the team page, but not fetch audio or post
    assert local.get("/", headers={"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"}).status_code == 200
    refused = local.get("/clips/1/audio.mp3", headers={"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"})
    assert refused.status_code == 403
    assert local.get("/clips/1/audio.mp3", headers={"Sec-Fetch-Site": "same-origin"}).status_code == 200


def test_a_rep_name_with_a_slash_has_its_page(coached_db, live):
    """On the real server (uvicorn decodes the path once before routing; TestClient twice)."""
    import urllib.parse
    import urllib.request

    with Index(coached_db) as index:
        add_call(index, [("rep", "hello there, how is the team")], rep="EMEA/Ana")

    def fetch(path, form=None):
        data = None if form is None else urllib.parse.urlencode(form).encode()
        with urllib.request.urlopen(live + path, data=data) as response:
            return response.url, response.read().decode()

    _, team = fetch("/")
    link = re.search(r'href="(/reps/EMEA[^"]*)"', team).group(1)
    _, page = fetch(link)
    assert "<h1>EMEA/Ana</h1>" in page
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    landed, after = fetch(link + "/focus", {"csrf": token, "skill": "discovery"})
    assert "discovery in focus for EMEA/Ana" in after and "/reps/EMEA" in landed
