"""Custom field values show the label Asana displays (src/generators/value_rows.py): checked
with SQL on a generated file."""

from __future__ import annotations

from conftest import q


def test_number_values_display_in_the_field_format(small_seed1) -> None:
    rows = q(
        small_seed1.path,
        "SELECT v.number_value, v.display_value, f.precision, f.format, f.currency_code"
        " FROM custom_field_values v JOIN custom_fields f ON f.id = v.custom_field_id"
        " WHERE v.number_value IS NOT NULL",
    )
    assert rows
    for value, shown, precision, fmt, currency in rows:
        text = f"{value:,.{precision or 0}f}"
        if fmt == "currency":
            text = f"{currency or 'USD'} {text}"
        elif fmt == "percentage":
            text += "%"
        assert shown == text


def test_enum_values_display_their_option(small_seed1) -> None:
    rows = q(
        small_seed1.path,
        "SELECT v.display_value, o.name, o.custom_field_id = v.custom_field_id"
        " FROM custom_field_values v JOIN custom_field_enum_options o ON o.id = v.enum_option_id",
    )
    assert rows and all(shown == name and same for shown, name, same in rows)


def test_values_only_on_top_level_tasks(small_seed1) -> None:
    subtasks_with_values = q(
        small_seed1.path,
        "SELECT count(*) FROM custom_field_values v JOIN tasks t ON t.id = v.task_id"
        " WHERE t.parent_id IS NOT NULL",
    )
    assert subtasks_with_values == [(0,)]
    assert q(small_seed1.path, "SELECT count(*) FROM custom_field_values")[0][0] > 0
