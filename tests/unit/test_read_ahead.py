"""The backfill's reader process: results come back in landing order, never far ahead of their use."""

from warehouse.load import _readers


def test_a_reader_process_returns_every_result_in_order():
    with _readers(100) as read:  # 100 files: read in a second process
        results = list(read(abs, [(-i,) for i in range(100)]))
    assert results == list(range(100))


def test_a_few_files_are_read_in_process():
    with _readers(3) as read:
        assert list(read(abs, [(-1,), (-2,), (-3,)])) == [1, 2, 3]
