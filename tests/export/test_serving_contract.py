"""The serving contract: every system's SavedModel answers malformed requests with a clean
InvalidArgument error (no abort, no result of the wrong length), empty batches with empty
outputs; each system's export runs in its own clean process."""

import pytest

from tests.serving_contract_client import malformed_request_report
from tests.tiny_models import SYSTEMS

MALFORMED = [
    "rank3",
    "rank5",
    "wrong_height",
    "double_width",
    "wrong_channels",
    "float_pixels",
    "garbage_bytes",
    "empty_string",
    "bytes_wrong_size",
    "scalar_string",
]


@pytest.mark.slow
@pytest.mark.parametrize("system", list(SYSTEMS))
def test_malformed_requests_get_clean_errors(system, tiny_export):
    report = malformed_request_report(tiny_export(system))
    for case in ("valid", "valid_bytes"):
        assert report[case]["status"] == "ok", report[case]
        assert set(report[case]["lengths"].values()) == {2}, report[case]
    for case in ("empty_batch", "empty_bytes_batch"):
        assert report[case]["status"] == "ok", report[case]
        assert set(report[case]["lengths"].values()) == {0}, report[case]
    optional = ["batch_mismatch", "position_out_of_range", "position_negative"]
    cases = MALFORMED + [case for case in optional if case in report]
    for case in cases:
        assert report[case]["status"] == "error", (case, report[case])
        assert report[case]["type"] == "InvalidArgumentError", (case, report[case])
    for case in ("rank3", "rank5", "wrong_height", "double_width", "wrong_channels"):
        assert "expected uint8" in report[case]["message"], (case, report[case]["message"])
