"""Custom fields: definitions, validation of every type, stored values and filters."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from crm_platform import tenancy
from crm_platform.contacts.models import Person
from crm_platform.contacts.services import create_person, delete_person
from crm_platform.customfields.models import CustomFieldValue
from crm_platform.customfields.service import (
    CustomFieldError,
    create_field,
    delete_field,
    display_value,
    fields_for,
    matching_ids,
    move_values,
    parse_value,
    set_values,
    validate_values,
    values_for,
)


@pytest.fixture()
def scope(company):
    with tenancy.company_scope(company.id):
        yield company


@pytest.fixture()
def fields(db, scope):
    create_field("person", "Shoe size", "number")
    create_field("person", "Birthday", "date")
    create_field("person", "Plan", "select", ["Free", "Pro"], required=True)
    create_field("person", "Interests", "multiselect", ["Golf", "Tennis", "Chess"])
    create_field("person", "Newsletter", "checkbox")
    create_field("person", "Homepage", "url")
    create_field("person", "Nickname", "text")
    db.session.commit()
    return fields_for("person")


def test_definitions_get_keys_positions_and_refuse_bad_input(fields):
    assert [f.key for f in fields] == ["shoe_size", "birthday", "plan", "interests", "newsletter", "homepage", "nickname"]
    with pytest.raises(CustomFieldError, match="exists"):
        create_field("person", "Shoe size", "text")
    with pytest.raises(CustomFieldError, match="type"):
        create_field("person", "X", "colour")
    with pytest.raises(CustomFieldError, match="option"):
        create_field("person", "Y", "select", [" ", ""])
    with pytest.raises(CustomFieldError, match="record"):
        create_field("deal", "Z", "text")


def test_every_type_validates(fields):
    by_key = {f.key: f for f in fields}
    assert parse_value(by_key["shoe_size"], "1,042.5") == [("1042.5", Decimal("1042.5000"), None)]
    assert parse_value(by_key["birthday"], "1990-02-03") == [("1990-02-03", None, date(1990, 2, 3))]
    assert parse_value(by_key["interests"], "Golf; Chess;Golf") == [("Golf", None, None), ("Chess", None, None)]
    assert parse_value(by_key["newsletter"], "yes") == [("1", None, None)]
    assert parse_value(by_key["nickname"], "  ") == []
    for key, bad in [("shoe_size", "big"), ("shoe_size", "1e400"), ("birthday", "03/02/1990"), ("plan", "Gold"),
                     ("interests", "Golf;Rugby"), ("newsletter", "perhaps"), ("homepage", "javascript:alert(1)"),
                     ("nickname", "x" * 1001)]:
        with pytest.raises(CustomFieldError):
            parse_value(by_key[key], bad)


def test_validate_reports_each_field_and_required(fields):
    rows, errors = validate_values(fields, {"shoe_size": "big", "plan": "", "nickname": "Ace"})
    assert set(errors) == {"shoe_size", "plan"} and errors["plan"] == "This field is required."
    assert rows == {"nickname": [("Ace", None, None)]}


def test_values_are_stored_read_filtered_and_deleted(db, fields):
    a, b = Person(first_name="A"), Person(first_name="B")
    create_person(a)
    create_person(b)
    rows, errors = validate_values(fields, {"plan": "Pro", "interests": ["Golf", "Tennis"], "newsletter": True,
                                            "shoe_size": "44"})
    assert not errors
    set_values(fields, a.id, rows)
    set_values(fields, b.id, validate_values(fields, {"plan": "Free"})[0])
    db.session.commit()
    values = values_for(fields, [a.id, b.id])
    assert values[a.id] == {"plan": "Pro", "interests": ["Golf", "Tennis"], "newsletter": True, "shoe_size": "44"}
    by_key = {f.key: f for f in fields}
    assert display_value(by_key["interests"], values[a.id]["interests"]) == "Golf; Tennis"
    pro = db.session.scalars(select(Person.id).where(Person.id.in_(matching_ids(by_key["plan"], "Pro")))).all()
    assert pro == [a.id]
    golfers = db.session.scalars(select(Person.id).where(Person.id.in_(matching_ids(by_key["interests"], "Golf")))).all()
    assert golfers == [a.id]
    move_values("person", a.id, b.id, keys=["interests"])
    db.session.commit()
    assert values_for(fields, [a.id, b.id]) == {b.id: {"plan": "Free", "interests": ["Golf", "Tennis"]}}
    delete_person(b)
    db.session.commit()
    assert db.session.scalars(select(CustomFieldValue)).all() == []


def test_deleting_a_field_deletes_its_values(db, fields):
    person = Person(first_name="A")
    create_person(person)
    set_values(fields, person.id, validate_values(fields, {"nickname": "Ace"})[0])
    db.session.commit()
    delete_field(next(f for f in fields if f.key == "nickname"))
    db.session.commit()
    assert db.session.scalars(select(CustomFieldValue)).all() == []


def test_other_companies_never_see_the_fields(db, fields, other_company):
    with tenancy.company_scope(other_company.id):
        assert fields_for("person") == []


def test_custom_fields_are_columns_of_the_lists(db, company, logged_in_client):
    from crm_platform.contacts.models import Organization

    with tenancy.company_scope(company.id):
        create_field("person", "Plan", "select", ["Free", "Pro"])
        create_field("organization", "Tier", "text")
        person = Person(first_name="Ada", last_name="Lovelace")
        create_person(person)
        org = Organization(name="Acme")
        db.session.add(org)
        db.session.flush()
        set_values(fields_for("person"), person.id, validate_values(fields_for("person"), {"plan": "Pro"})[0])
        set_values(fields_for("organization"), org.id, validate_values(fields_for("organization"), {"tier": "Gold"})[0])
        db.session.commit()
    people = logged_in_client.get("/people").get_data(as_text=True)
    assert '<th scope="col">Plan</th>' in people and "<td>Pro</td>" in people
    organizations = logged_in_client.get("/organizations").get_data(as_text=True)
    assert '<th scope="col">Tier</th>' in organizations and "<td>Gold</td>" in organizations
