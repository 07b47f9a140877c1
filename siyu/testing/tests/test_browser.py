import pytest

pytestmark = pytest.mark.browser


def test_chromium_renders_the_api_docs_without_js_errors(live_server, open_page):
    page = open_page(phone=True)
    response = page.goto(f"{live_server.url}/api/v1/docs")
    assert response.status == 200
    page.wait_for_selector("#swagger-ui .information-container")
    assert page.js_errors == []
