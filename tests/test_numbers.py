"""Ids read from request text: digits other than ASCII ones, or too many of them, are refused, never a 500."""

from __future__ import annotations

import pytest

from crm_platform.numbers import is_digits, parse_id

ODD = ["²", "٣", "1²", "9" * 30, "-1", " 7", ""]


def test_only_ascii_digits_that_fit_a_column_are_ids():
    assert [parse_id(v) for v in ["0", "7", "123456789012345678"]] == [0, 7, 123456789012345678]
    assert [parse_id(v) for v in ODD + ["1234567890123456789", None, 7]] == [None] * (len(ODD) + 3)
    assert is_digits("12", max_digits=2) and not is_digits("123", max_digits=2)


@pytest.mark.parametrize("value", ODD)
@pytest.mark.parametrize("path", [
    "/people?tag={}", "/people?owner={}", "/people?organization={}", "/activity?author={}",
    "/people/1/merge?other={}", "/people/new?organization={}", "/settings/webhooks/1/deliveries?before={}",
])
def test_odd_numbers_in_query_strings_are_ignored_or_refused(logged_in_client, path, value):
    response = logged_in_client.get(path.format(value))
    assert response.status_code in (200, 404, 422), (path, value, response.status_code)


@pytest.mark.parametrize("path", ["/people/{}", "/organizations/{}", "/people/{}/edit", "/activity?before={}"])
def test_a_huge_id_in_the_path_is_not_found(logged_in_client, path):
    response = logged_in_client.get(path.format("9" * 30))
    assert response.status_code in (200, 404), (path, response.status_code)
