import json
import urllib.request

import pytest

pytestmark = pytest.mark.browser


def test_chromium_renders_the_api_docs_without_js_errors(live_server, open_page):
    page = open_page(phone=True)
    response = page.goto(f"{live_server.url}/api/v1/docs")
    assert response.status == 200
    # The page fetches a 500 KB schema and lays it out: on a busy two-core machine (xdist workers
    # beside the browser, as on CI) that has taken longer than the default 15 s.
    page.wait_for_selector("#swagger-ui .information-container", timeout=90_000)
    assert page.js_errors == []


def test_the_api_docs_list_every_operation_offline(live_server, open_page):
    """No internet, as on CI: any request that leaves the live server is refused, and the page still works."""
    with urllib.request.urlopen(f"{live_server.url}/api/v1/openapi.json", timeout=30) as answer:
        paths = json.loads(answer.read())["paths"]
    operations = {(method.upper(), path) for path, item in paths.items() for method in item}
    page = open_page()
    remote: list[str] = []

    def offline(route, request):
        if request.url.startswith(live_server.url):
            route.continue_()
        else:
            remote.append(request.url)
            route.abort()

    page.route("**/*", offline)
    page.goto(f"{live_server.url}/api/v1/docs")
    # 250-odd operations to fetch, route through the offline filter and lay out: on a busy
    # two-core machine (xdist workers beside the browser) that can take longer than the default 15 s.
    page.wait_for_selector("#swagger-ui .opblock", timeout=90_000)

    shown = page.eval_on_selector_all(
        "#swagger-ui .opblock-summary",
        "blocks => blocks.map(b => [b.querySelector('.opblock-summary-method').textContent,"
        " b.querySelector('.opblock-summary-path').dataset.path])",
    )
    assert {(method, path) for method, path in shown} == operations
    products = '#swagger-ui .opblock-summary-path[data-path="/api/v1/shop/{merchant}/products"]'
    assert page.locator(products).count() >= 1
    assert remote == []
    assert page.js_errors == []
