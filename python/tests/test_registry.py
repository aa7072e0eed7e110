"""A user's device model reaches Python through the registry alone: the plug-in module built from
examples/custom_device_reader.hpp (tests/plugin/custom_device_plugin.cpp) registers the lane array,
and nais.evaluate, nais.Session and nais.torch.HardwareLoss take it like a shipped device."""
import numpy as np
import pytest
import torch

import nais
import nais.torch

SPEC = {"device": "lane-array",
        "blocks": [{"cin": 8, "cout": 16, "h": 16, "w": 16, "stride": 2}, {"cin": 16, "cout": 16, "h": 8, "w": 8, "stride": 1}],
        "ops": [{"kernel": 3, "expand": 3}, {"kernel": 5, "expand": 6}], "bits": [4, 8],
        "tau": 0.7, "alpha": 1e-4, "beta": 0.5, "C": 1.1, "res_ub": 40}


@pytest.fixture(scope="module")
def lane_array():
    import nais_custom_device  # built beside nais by the test build (PYTHONPATH)

    nais.register_devices(nais_custom_device)
    return nais_custom_device


def test_registered_device_is_listed(lane_array):
    names = [name for name, _, _ in nais.devices()]
    assert names[:4] == ["fpga-recursive", "fpga-pipelined", "gpu", "loom"]
    assert "lane-array" in names
    with pytest.raises(nais.SpecError, match=r' or "lane-array", got string "lane"'):
        nais.Session(dict(SPEC, device="lane"))


def test_session_and_evaluate_agree(lane_array):
    s = nais.Session(SPEC)
    assert [(n, tuple(sh), smp) for n, sh, smp in s.variables] == [("theta", (2, 2), True), ("phi", (2, 2), True),
                                                                  ("s", (1,), False)]
    theta = np.array([[0.3, -0.2], [0.1, 0.4]])
    phi = np.array([[0.5, -0.5], [0.0, 0.2]])
    s.set_variable("theta", theta)
    s.set_variable("phi", phi)
    s.set_variable("s", np.array([3.0]))
    s.set_parameter("acc_loss", 2.0)
    r = s.evaluate()
    doc = nais.evaluate(dict(SPEC, theta=theta, phi=phi, s=[3.0], acc_loss=2.0))
    assert doc["loss"] == pytest.approx(r["loss"], rel=1e-15)
    assert np.allclose(doc["grad"]["phi"], s.gradient("phi"), rtol=1e-15, atol=0)
    assert s.design(200.0)["lanes"] == 8.0


def test_hardware_loss_gradcheck(lane_array):
    hw = nais.torch.HardwareLoss(SPEC)
    torch.manual_seed(0)
    theta = torch.randn(2, 2, dtype=torch.float64, requires_grad=True)
    phi = torch.randn(2, 2, dtype=torch.float64, requires_grad=True)
    lanes = torch.tensor([2.5], dtype=torch.float64, requires_grad=True)
    acc = torch.tensor(1.7, dtype=torch.float64, requires_grad=True)

    def f(t, p, s_, a):
        return hw(t, p, s=s_, acc_loss=a, noise="zero")["loss"]  # fixed noise: gradcheck needs a function

    assert torch.autograd.gradcheck(f, (theta, phi, lanes, acc), eps=1e-6, atol=1e-7, rtol=1e-5)
