"""Pipeline settings: create, rename, add / edit / reorder / delete stages, with validation."""

from __future__ import annotations

from crm_sales.models import Stage


def names(sales):
    return [(s.name, s.probability, s.rotting_days) for s in sales.pipelines()[0].stages]


def test_settings_page_lists_pipelines_and_stages(logged_in_client, sales):
    html = logged_in_client.get("/sales/pipelines").get_data(as_text=True)
    assert "Sales pipeline" in html and "Negotiation" in html and 'value="75"' in html
    assert 'href="/sales/pipelines"' in logged_in_client.get("/").get_data(as_text=True)


def test_create_and_rename_pipelines(logged_in_client, sales):
    post = lambda url, data: logged_in_client.post_form(url, data, token_from="/sales/pipelines")  # noqa: E731
    assert post("/sales/pipelines", {"name": "Partners"}).status_code == 303
    pipelines = sales.pipelines()
    assert [p.name for p in pipelines] == ["Sales pipeline", "Partners"] and len(pipelines[1].stages) == 4
    assert post("/sales/pipelines", {"name": ""}).status_code == 422
    assert post("/sales/pipelines", {"name": "x" * 121}).status_code == 422
    assert post(f"/sales/pipelines/{pipelines[1].id}/rename", {"name": "Channel"}).status_code == 303
    assert post(f"/sales/pipelines/{pipelines[1].id}/rename", {"name": " "}).status_code == 422
    assert sales.pipelines()[1].name == "Channel"
    board = logged_in_client.get(f"/sales/?pipeline={pipelines[1].id}").get_data(as_text=True)
    assert "Channel" in board
    assert logged_in_client.get("/sales/?pipeline=999999").status_code == 404
    assert logged_in_client.get("/sales/?pipeline=abc").status_code == 404


def test_stages_add_edit_reorder_delete(logged_in_client, sales):
    post = lambda url, data=None: logged_in_client.post_form(url, data or {}, token_from="/sales/pipelines")  # noqa: E731
    pid = sales.pipeline_id
    assert post(f"/sales/pipelines/{pid}/stages", {"name": "Contract", "probability": "90", "rotting_days": "5"}).status_code == 303
    assert names(sales)[-1] == ("Contract", 90, 5)
    for bad in ({"name": "X", "probability": "101"}, {"name": "X", "probability": "-1"}, {"name": "", "probability": "5"},
                {"name": "X", "probability": ""}, {"name": "X", "probability": "5", "rotting_days": "0"}):
        assert post(f"/sales/pipelines/{pid}/stages", bad).status_code == 422, bad
    first = sales.stage_ids[0]
    assert post(f"/sales/stages/{first}", {"name": "New lead", "probability": "5", "rotting_days": ""}).status_code == 303
    assert names(sales)[0] == ("New lead", 5, None)
    assert post(f"/sales/stages/{first}", {"name": "New lead", "probability": "500"}).status_code == 422
    assert post(f"/sales/stages/{first}/down").status_code == 303
    assert [n for n, *_ in names(sales)][:2] == ["Qualified", "New lead"]
    assert post(f"/sales/stages/{first}/up").status_code == 303
    assert post(f"/sales/stages/{first}/up").status_code == 303  # already first: nothing to do
    assert [n for n, *_ in names(sales)][:2] == ["New lead", "Qualified"]
    deal_id = sales.deal(stage=1)
    assert post(f"/sales/stages/{sales.stage_ids[1]}/delete").status_code == 422
    assert sales.get(deal_id) is not None
    contract = [s for s in sales.pipelines()[0].stages if s.name == "Contract"][0]
    assert post(f"/sales/stages/{contract.id}/delete").status_code == 303
    assert [n for n, *_ in names(sales)] == ["New lead", "Qualified", "Proposal", "Negotiation"]
    assert [s.position for s in sales.pipelines()[0].stages] == [0, 1, 2, 3]
    assert isinstance(contract, Stage)
