"""A list cut by the row cap is never shown as if it were whole: the browse data source refuses
it with an error that says so (lists that can be long are read a page at a time)."""

import pytest

from policykg import browse, errors, store
from policykg.app import close, create_app

POLICY = "quality-awards"


@pytest.fixture(scope="module")
def capped(built_cfg):
    """The browse source over the build with a row cap of 1."""
    opened = store.open_store(dict(built_cfg, ROW_CAP=1))
    yield browse.source(opened, dict(built_cfg, ROW_CAP=1))
    opened.close()


def test_rows_cut_by_the_cap_are_an_error(capped, built_cfg):
    target = f"{built_cfg['BASE_IRI']}id/policy/{POLICY}"
    with pytest.raises(errors.ServiceError) as caught:
        capped.rows("policy-amounts", policy=target)
    assert caught.value.status == 500 and "ROW_CAP" in caught.value.message
    assert caught.value.details["query"] == "policy-amounts"


def test_a_page_built_from_a_cut_list_is_an_error_page(built_cfg):
    app = create_app(dict(built_cfg, STORE="embedded", TESTING=True, ROW_CAP=1))
    try:
        answer = app.test_client().get(f"/api/policies/{POLICY}")
        assert answer.status_code == 500
        assert answer.get_json()["ok"] is False and "ROW_CAP" in answer.get_json()["error"]
    finally:
        close(app)
