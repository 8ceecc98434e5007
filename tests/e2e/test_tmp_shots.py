import pytest
from tests.e2e.test_e2e_lists import add_people

pytestmark = pytest.mark.e2e


def test_shots(admin_page, live_server):
    add_people(live_server, "Shotwell", ["Anna", "Bruno", "Carla", "Dora"])
    page = admin_page
    for width, name in ((1366, "desk"), (390, "phone")):
        page.set_viewport_size({"width": width, "height": 900 if width > 500 else 844})
        page.goto("/people?q=shot")
        page.wait_for_load_state()
        page.screenshot(path=f"/tmp/p/shot_search_{name}.png", full_page=False)
        page.goto("/people")
        page.wait_for_load_state()
        page.screenshot(path=f"/tmp/p/shot_list_{name}.png", full_page=False)
        page.locator("tbody a").first.click()
        page.wait_for_load_state()
        page.screenshot(path=f"/tmp/p/shot_detail_{name}.png", full_page=False)
