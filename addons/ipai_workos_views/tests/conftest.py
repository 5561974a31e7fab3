from ipai_workos_db.tests.conftest import Board, add_rows, board, people, titles  # noqa: F401  (shared fixtures)
