# Fixtures shared by the tests of every workspace member (real stack addresses, unique names).
pytest_plugins = ["hoppid.shared.testing"]
