import json

from crm.customers.models import Company
from crm.customers.tests.factories import valid_inn
from crm.imports.commands import import_command


def _run(path, **kwargs):
    lines = []
    code = import_command(
        entity=kwargs.pop("entity", "companies"),
        path=str(path),
        mapping_path=kwargs.pop("mapping_path", None),
        dry_run=kwargs.pop("dry_run", False),
        username=kwargs.pop("username", None),
        echo=lines.append,
    )
    return code, "\n".join(lines)


def test_import_command_maps_field_name_headers_and_exits_0(admin_user, tmp_path):
    path = tmp_path / "companies.csv"
    path.write_text(f"name,inn,external_id\nРомашка,{valid_inn(1)},A\nЛютик,,B\n")
    code, output = _run(path)
    assert code == 0, output
    assert Company.objects.count() == 2
    assert "Created 2, updated 0, unchanged 0, rejected 0 of 2 rows" in output
    # a second run matches by external ID
    code, output = _run(path)
    assert code == 0
    assert "Created 0, updated 0, unchanged 2" in output
    assert Company.objects.count() == 2


def test_import_command_writes_rejected_rows_beside_the_file_and_exits_1(
    admin_user, tmp_path
):
    path = tmp_path / "companies.csv"
    path.write_text("Наименование;ИНН\nРомашка;123\nЛютик;\n", encoding="cp1251")
    code, output = _run(path)
    assert code == 1
    rejected = (tmp_path / "companies.rejected.csv").read_text(encoding="utf-8-sig")
    header, row = rejected.strip().splitlines()
    assert header == "Наименование;ИНН;Reason"
    assert row.startswith("Ромашка;123;row 2, ИНН: ")
    assert Company.objects.get().name == "Лютик"


def test_import_command_dry_run_saves_nothing(admin_user, tmp_path):
    path = tmp_path / "companies.csv"
    path.write_text("name\nРомашка\n")
    code, output = _run(path, dry_run=True)
    assert code == 0
    assert "would create 1" in output
    assert Company.objects.count() == 0


def test_import_command_takes_a_mapping_file(admin_user, tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("Колонка А;Колонка Б\nРомашка;X-1\n")
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"Колонка А": "name", "1": "external_id"}))
    code, output = _run(path, mapping_path=str(mapping))
    assert code == 0, output
    assert Company.objects.get().external_id == "X-1"


def test_import_command_exits_2_on_a_bad_file_or_mapping(admin_user, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes("name\nA\n".encode("utf-16"))
    assert _run(bad)[0] == 2
    unmapped = tmp_path / "unmapped.csv"
    unmapped.write_text("Что-то\nA\n")
    code, output = _run(unmapped)
    assert code == 2
    assert "required field" in output
    assert _run(unmapped, username="nobody")[0] == 2
