"""The web page in a real browser: Playwright driving the machine's Chromium (Debian's package;
never a downloaded browser). Without Chromium or Playwright these tests skip and say why."""

from __future__ import annotations

import shutil

import pytest

from clipfinder import Index

CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--autoplay-policy=no-user-gesture-required"]


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install -e '.[dev]')"
    )
    executable = next((p for n in ("chromium", "chromium-browser") if (p := shutil.which(n))), None)
    if executable is None:
        pytest.skip("no Chromium on this machine (apt-get install chromium); .ci/run installs it")
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    yield opened
    context.close()


def test_the_team_page_lists_every_rep(page, live, coached_db):
    with Index(coached_db) as index:
        reps = index.reps()
    page.goto(live + "/")
    assert page.locator("tr.rep-row").evaluate_all("rows => rows.map(r => r.dataset.rep)") == reps
    page.click("text=alice")
    assert page.locator("h1").inner_text() == "alice"


def test_search_then_play_a_clip_and_the_words_follow(page, live):
    page.goto(live + "/")
    page.fill("form.quick input[type=search]", "price")
    page.press("form.quick input[type=search]", "Enter")
    page.wait_for_selector("#results li.result")
    first = page.locator("#results li.result").first
    assert "price" in first.locator(".words").inner_text().lower()
    audio = first.locator("audio")
    audio.evaluate("a => a.play()")
    page.wait_for_function(
        "a => a.currentTime > 1.0", arg=audio.element_handle(), timeout=15_000
    )  # playing: the position moves
    assert first.locator(".w.now").count() == 1  # the word being spoken is highlighted


def test_pin_a_clip_and_find_it_in_the_prep(page, live):
    page.goto(live + "/search?skill=pain&rep=alice")
    first = page.locator("#results li.result").first
    call_link = first.locator(".head a").inner_text()
    first.locator("button.pin").click()
    page.wait_for_selector(".flash.ok")
    assert "pinned" in page.locator(".flash.ok").inner_text()
    page.goto(live + "/reps/alice/prep")
    coaching = page.locator("#coaching-clip").inner_text()
    assert "pain" in coaching and "you pinned" in coaching
    assert call_link.split(" at ")[0].replace("call ", "call ") in coaching


def test_write_a_commitment_and_see_its_follow_up(page, live):
    page.goto(live + "/reps/alice")
    page.fill("#commit-form textarea", "Ask who else signs off, on the Acme call")
    page.fill("#commit-form input[name=date]", "2026-11-15T09:00")
    page.click("#commit-form button")
    page.wait_for_selector(".flash.ok")
    first = page.locator("#followups li").first
    assert "Ask who else signs off" in first.inner_text()
    assert first.locator(".verdict").inner_text() in ("met", "not detected", "no call yet")
    page.locator("#score-form input[value='5']").check()
    page.click("#score-form button")
    assert "self-score 5/5" in page.locator(".flash.ok").inner_text()


def test_click_a_word_on_the_call_page_to_play_from_there(page, live):
    page.goto(live + "/calls/1")
    words = page.locator("#transcript .w")
    target = words.nth(words.count() // 2)
    at = float(target.get_attribute("data-t"))
    target.click()
    page.wait_for_function(
        "([a, t]) => !a.paused && a.currentTime >= t", arg=[page.locator("#call-audio").element_handle(), at]
    )


def test_find_by_skill_in_the_form_then_download_the_prep(page, live, tmp_path):
    page.goto(live + "/search")
    page.select_option("select[name=skill]", "discovery")
    page.select_option("select[name=rep]", "alice")
    page.click("#search-form button[type=submit]")
    page.wait_for_selector("#results li.result")
    skills = page.locator("#results .skill").all_inner_texts()
    assert skills and set(skills) == {"discovery"}
    page.goto(live + "/reps/alice")
    assert page.frame_locator("#prep-frame").locator("h1").inner_text() == "1-on-1 prep: alice"
    with page.expect_download() as download:
        page.click("#prep button[name=download]")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    text = saved.read_text()
    assert saved.name == "alice-prep-2026-11-20.html" and "src='data:audio/mpeg;base64," in text
