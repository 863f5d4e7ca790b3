from segkit.testing import check_engine, check_preset

from segkit_plugin_example.engine import single_thread_engine
from segkit_plugin_example.preset import PIPEDRIVE_ORGANIZATIONS


def test_preset_conformance() -> None:
    check_preset(PIPEDRIVE_ORGANIZATIONS)


def test_engine_conformance() -> None:
    check_engine(single_thread_engine)
