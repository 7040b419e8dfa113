"""Helpers for browser tests: the axe-core accessibility scan."""

from pathlib import Path

AXE_SOURCE = (Path(__file__).parent / "axe-4.14.1.min.js").read_text()


def axe_check(page, no_js_browser=None):
    """Run axe-core on the current page and fail on any violation (WCAG 2.x A and AA rules).

    For a page with JavaScript off, pass the browser: the same HTML is scanned in a scratch page
    with JavaScript on (nothing can be evaluated in the page itself).
    """
    target, scratch = page, None
    if no_js_browser is not None:
        scratch = no_js_browser.new_context()
        target = scratch.new_page()
        target.set_content(page.content())
    try:
        target.evaluate(AXE_SOURCE)
        result = target.evaluate(
            "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
            "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
        )
    finally:
        if scratch is not None:
            scratch.close()
    violations = [
        f"{v['id']} ({v['impact']}): {v['help']} → " + "; ".join(n["target"][0] for n in v["nodes"][:3])
        for v in result["violations"]
    ]
    assert violations == [], f"axe-core on {page.url}:\n" + "\n".join(violations)
