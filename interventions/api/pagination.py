from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """`?page=` and `?page_size=` (at most 100): a page out of range is a 404."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
