from crm.core.search import query_words, search_text


def test_search_text_splits_emails_and_keeps_both_forms_of_a_phone():
    text = search_text(
        texts=["ООО «Ромашка»", "ivan.petrov@mail.ru", "Ёлкин"], phones=["+79161234567"]
    )
    words = text.split()
    assert {"ооо", "ромашка", "ivan", "petrov", "mail", "ru", "елкин"} <= set(words)
    assert "79161234567" in words
    assert "9161234567" in words


def test_a_phone_typed_with_spaces_is_one_query_word():
    assert query_words("+7 (916) 123-45") == ["791612345"]
    assert query_words("Ромашка ООО") == ["ромашка", "ооо"]
