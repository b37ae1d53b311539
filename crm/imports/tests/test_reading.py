import io
import zipfile

import pytest
from openpyxl import Workbook

from crm.imports.reading import FileError, open_table


def _write(tmp_path, data: bytes, name="data.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_open_table_reads_windows_1251_with_semicolons(tmp_path):
    # given a file saved by Russian Excel
    path = _write(tmp_path, "Фамилия;Имя\r\nИванов;Иван\r\n".encode("cp1251"))
    # when it is opened
    table = open_table(path)
    # then the encoding and the delimiter are found
    assert table.encoding == "cp1251"
    assert table.delimiter == ";"
    assert table.headers == ["Фамилия", "Имя"]
    assert list(table.rows()) == [(2, ["Иванов", "Иван"])]


def test_open_table_reads_utf8_with_bom_and_commas(tmp_path):
    path = _write(tmp_path, '\ufeffname,inn\n"Ромашка, ООО",7707083893\n'.encode())
    table = open_table(path)
    assert table.encoding == "utf-8-sig"
    assert table.delimiter == ","
    assert table.headers == ["name", "inn"]
    assert list(table.rows()) == [(2, ["Ромашка, ООО", "7707083893"])]


def test_open_table_skips_blank_lines_but_keeps_row_numbers(tmp_path):
    path = _write(tmp_path, b"a;b\n1;2\n;\n3;4\n")
    table = open_table(path)
    assert list(table.rows()) == [(2, ["1", "2"]), (4, ["3", "4"])]
    assert list(table.rows(skip=2)) == [(4, ["3", "4"])]


def test_open_table_refuses_utf16(tmp_path):
    path = _write(tmp_path, "name;inn\nРомашка;1\n".encode("utf-16"))
    with pytest.raises(FileError, match="UTF-16"):
        open_table(path)


def test_open_table_refuses_binary_garbage(tmp_path):
    path = _write(tmp_path, bytes(range(256)) * 50)
    with pytest.raises(FileError, match="not a text file"):
        open_table(path)


def test_open_table_refuses_an_empty_file(tmp_path):
    with pytest.raises(FileError, match="empty"):
        open_table(_write(tmp_path, b"  \n"))


def test_open_table_refuses_a_broken_xlsx(tmp_path):
    # given a zip that is not a workbook, and a workbook cut in half
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    broken = _write(tmp_path, buffer.getvalue(), "broken.xlsx")
    workbook = Workbook()
    workbook.active.append(["name"])
    whole = io.BytesIO()
    workbook.save(whole)
    cut = _write(tmp_path, whole.getvalue()[:300], "cut.xlsx")
    # then both are refused with a clear message
    for path in (broken, cut):
        with pytest.raises(FileError, match="XLSX"):
            open_table(path)


def test_open_table_reads_xlsx_cells_as_text(tmp_path):
    import datetime as dt

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Наименование", "ИНН", "Цена", "Дата"])
    sheet.append(["Ромашка", 7707083893, 1234.5, dt.datetime(2024, 12, 31)])
    path = tmp_path / "data.xlsx"
    workbook.save(path)
    table = open_table(path)
    assert table.file_format == "xlsx"
    assert list(table.rows()) == [
        (2, ["Ромашка", "7707083893", "1234.5", "2024-12-31"])
    ]
    assert table.count() == 1
