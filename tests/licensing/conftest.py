from tests.cases.conftest import citizen, file_request, office, officer, operator, service  # noqa: F401
