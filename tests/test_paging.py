"""Pages of a long list (portal/paging.py): which page a URL asks for, and which page links are offered."""

import pytest

from portal.paging import MAX_PAGE, Page, page_number


@pytest.mark.parametrize("raw, number", [
    (None, 1), ("", 1), ("1", 1), ("7", 7), (" 7 ", 7), ("0", 1), ("-3", 1), ("abc", 1), ("2.5", 1), ("1e9", 1),
    ("99999999999999999999", MAX_PAGE),
])
def test_a_page_number_from_the_url(raw, number):
    assert page_number(raw) == number


def page(number, total, size=10):
    shown = max(0, min(size, total - (number - 1) * size))
    return Page(items=[object()] * shown, number=number, size=size, total=total)


def test_the_links_offered_leave_out_the_middle_of_a_long_list():
    assert page(1, 1000).numbers() == [1, 2, 3, None, 100]
    assert page(50, 1000).numbers() == [1, None, 48, 49, 50, 51, 52, None, 100]
    assert page(100, 1000).numbers() == [1, None, 98, 99, 100]
    # a gap of one number shows the number rather than "…"
    assert page(5, 1000).numbers() == [1, 2, 3, 4, 5, 6, 7, None, 100]
    assert page(1, 30).numbers() == [1, 2, 3]


def test_where_a_page_sits_in_the_whole_list():
    middle = page(3, 45)
    assert (middle.first, middle.last, middle.pages, middle.has_previous, middle.has_next) == (21, 30, 5, True, True)
    end = page(5, 45)
    assert (end.first, end.last, end.has_next) == (41, 45, False)
    empty = page(1, 0)
    assert (empty.first, empty.last, empty.pages, empty.has_previous, empty.has_next) == (0, 0, 1, False, False)
