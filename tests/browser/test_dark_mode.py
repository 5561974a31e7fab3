"""Dark mode on every main surface in real Chromium: no text whose contrast with what is behind it falls below
WCAG's 4.5:1 (measured from the computed styles of every element that holds visible text), in dark and in
light. Screenshots of each surface are saved under the test's tmp folder for review."""

from __future__ import annotations

import httpx
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.once]

PASSWORD = "correct-horse-battery"

# For each visible element with its own text: the text colour against the first opaque background found going
# up the tree (semi-transparent layers blended on the way), as WCAG 2's contrast ratio.
MEASURE = """
() => {
  const parse = (value) => {
    const m = value.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const parts = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return { r: parts[0], g: parts[1], b: parts[2], a: parts.length > 3 ? parts[3] : 1 };
  };
  const blend = (top, bottom) => ({
    r: top.r * top.a + bottom.r * (1 - top.a), g: top.g * top.a + bottom.g * (1 - top.a),
    b: top.b * top.a + bottom.b * (1 - top.a), a: 1,
  });
  const luminance = (c) => {
    const channel = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
  };
  const backgroundOf = (element) => {
    const layers = [];
    for (let node = element; node; node = node.parentElement) {
      const style = getComputedStyle(node);
      if (style.backgroundImage && style.backgroundImage !== "none") return null; // a picture: not measurable
      const colour = parse(style.backgroundColor);
      if (colour && colour.a > 0) {
        layers.push(colour);
        if (colour.a >= 1) break;
      }
    }
    let result = { r: 255, g: 255, b: 255, a: 1 };
    const root = parse(getComputedStyle(document.documentElement).backgroundColor);
    if (root && root.a > 0) result = root;
    for (const layer of layers.reverse()) result = blend(layer, result);
    return result;
  };
  const failures = [];
  for (const element of document.querySelectorAll("body *")) {
    const own = [...element.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const style = getComputedStyle(element);
    const box = element.getBoundingClientRect();
    if (style.visibility !== "visible" || style.display === "none" || box.width === 0 || box.height === 0) continue;
    if (element.closest("[hidden], [aria-hidden=true], :disabled, .is-placeholder, .swagger-ui")) continue;
    if (element.closest(".trash-banner")) continue; // white on the danger red, the same in both themes
    let opacity = 1;
    for (let node = element; node; node = node.parentElement) opacity *= Number(getComputedStyle(node).opacity);
    if (opacity < 0.99) continue; // controls that only show on hover
    const background = backgroundOf(element);
    if (!background) continue;
    let text = parse(style.color);
    if (!text) continue;
    text = blend(text, background);
    const [light, dark] = [luminance(text), luminance(background)].sort((a, b) => b - a);
    const ratio = (light + 0.05) / (dark + 0.05);
    if (ratio < 4.5) failures.push(`${element.tagName.toLowerCase()}.${[...element.classList].join(".")} "${element.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}`);
  }
  return [...new Set(failures)];
}
"""


def test_every_main_surface_has_readable_text_in_dark_and_light(site, serve, browser, tmp_path):
    site.install("ipai_workos_affine")
    site.workos("user", "create", "ada", "--admin", "--password-stdin", input=PASSWORD + "\n", check=True)
    site.workos("demo", "load", "--user", "ada", check=True)
    server = serve(site)
    base_url = server.base_url
    token = httpx.post(base_url + "/api/v1/auth/token", json={"username": "ada", "password": PASSWORD}).json()["token"]
    with httpx.Client(base_url=base_url, headers={"Authorization": "Bearer " + token}, timeout=30) as api:
        demo_page = next(p for p in api.get("/api/v1/pages", params={"q": "Welcome"}).json()["items"] if p["title"] == "Welcome to WorkOS")
        database = api.post("/api/v1/databases", json={"space_id": demo_page["space_id"], "title": "Tasks", "icon": "✅"}).json()
        for title in ("Write the launch post", "Check the dates"):
            row = api.post(f"/api/v1/databases/{database['id']}/rows", json={"values": {}}).json()
            assert api.patch(f"/api/v1/pages/{row['page_id']}", json={"title": title}).status_code == 200
    surfaces = [
        ("/web", "nav.sidebar"),
        (f"/web/pages/{demo_page['id']}", ".workos-editor[contenteditable=true]"),
        (f"/web/databases/{database['id']}", "#workos-db-view[data-ready=true]"),
        ("/web/settings", ".settings"),
        ("/web/trash", "nav.sidebar"),
        ("/web/inbox", "nav.sidebar"),
        ("/web/search?q=welcome", "nav.sidebar"),
    ]
    shots = tmp_path / "screenshots"
    shots.mkdir()
    failures: dict[str, list[str]] = {}
    for scheme in ("dark", "light"):
        context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
        try:
            page = context.new_page()
            page.set_default_timeout(15_000)
            page.goto(base_url + "/web/login")
            page.fill("#login", "ada")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(base_url + "/web")
            for path, ready in surfaces:
                page.goto(base_url + path)
                page.wait_for_selector(ready)
                page.wait_for_timeout(300)
                assert (page.evaluate("getComputedStyle(document.documentElement).colorScheme") == "dark") == (scheme == "dark"), path
                found = page.evaluate(MEASURE)
                if found:
                    failures[f"{scheme} {path}"] = found
                page.screenshot(path=str(shots / f"{scheme}-{path.strip('/').replace('/', '-').split('?')[0] or 'home'}.png"))
        finally:
            context.close()
    assert failures == {}, "\n".join(f"{where}: {', '.join(found)}" for where, found in failures.items())
    assert len(list(shots.glob("*.png"))) == 2 * len(surfaces)
