"""Model architectures: shapes, and the export guard against ops the browser cannot run."""
import pytest
import torch

from training.models.detector import STRIDE, Detector
from training.models.export import export
from training.models.identifier import CLASSES, Encoder, Head
from training.models.segmenter import Segmenter


def test_shapes():
    with torch.no_grad():
        heat, size, off, shift = Detector().eval()(torch.rand(2, 1, 64, 96))
        assert heat.shape == (2, 1, 64 // STRIDE, 96 // STRIDE) and size.shape == off.shape == shift.shape == (2, 2, 16, 24)
        assert 0 <= heat.min() and heat.max() <= 1
        assert Segmenter().eval()(torch.rand(3, 2, 32, 32, 32)).shape == (3, 1, 32, 32, 32)
        emb = Encoder().eval()(torch.rand(2, 1, 32, 32, 32))
        assert Head().eval()(emb, torch.ones_like(emb)).shape == (2, CLASSES)


def test_head_dropout_mask_is_an_input_not_a_node():
    head = Head().eval()
    e = torch.randn(4, 128)
    with torch.no_grad():
        assert not torch.allclose(head(e, torch.ones_like(e)), head(e, (torch.rand_like(e) > 0.5).float() * 2))


def test_export_refuses_ops_the_browser_cannot_run(tmp_path):
    bad = torch.nn.ConvTranspose3d(1, 1, 2, stride=2)
    with pytest.raises(ValueError, match='ConvTranspose'):
        export(bad, (torch.rand(1, 1, 4, 4, 4),), ['x'], ['y'], str(tmp_path / 'bad.onnx'))
