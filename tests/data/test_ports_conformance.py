"""The database adapters offer exactly the methods and signatures of the ports they implement."""

import inspect

import pytest

from adapters import ports
from adapters.db_platform import DbMerchantDeposits, DbNotifier, DbOrderLookup, DbPaymentGateway

PAIRS = [
    (ports.OrderLookup, DbOrderLookup),
    (ports.MerchantDeposits, DbMerchantDeposits),
    (ports.PaymentGateway, DbPaymentGateway),
    (ports.Notifier, DbNotifier),
]


def port_methods(port) -> list[str]:
    return [name for name, value in vars(port).items() if inspect.isfunction(value) and not name.startswith("_")]


@pytest.mark.parametrize(("port", "adapter"), PAIRS, ids=[p.__name__ for p, _ in PAIRS])
def test_adapter_matches_port(port, adapter):
    methods = port_methods(port)
    assert methods
    for name in methods:
        expected = inspect.signature(getattr(port, name))
        actual = inspect.signature(getattr(adapter, name))
        assert list(actual.parameters.values()) == list(expected.parameters.values()), name
        assert actual.return_annotation == expected.return_annotation, name
