from tests.service.conftest import clock, make_service

__all__ = ["clock", "make_service"]
