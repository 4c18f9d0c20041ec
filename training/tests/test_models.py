"""Model architectures: shapes, and the export guard against ops the browser cannot run."""
import pytest
import torch

from training.models.detector import STRIDE, Detector
from training.models.export import export
from training.models.identifier import CLASSES, Encoder, Head, Heads, encoder_of, head_of, input_channels, widened
from training.models.segmenter import Segmenter, sharpen_width


def test_shapes():
    with torch.no_grad():
        heat, size, off, shift = Detector().eval()(torch.rand(2, 1, 64, 96))
        assert heat.shape == (2, 1, 64 // STRIDE, 96 // STRIDE) and size.shape == off.shape == shift.shape == (2, 2, 16, 24)
        assert 0 <= heat.min() and heat.max() <= 1
        assert Segmenter().eval()(torch.rand(3, 2, 32, 32, 32)).shape == (3, 1, 32, 32, 32)
        assert Segmenter(sharpen=8).eval()(torch.rand(3, 2, 32, 32, 32)).shape == (3, 1, 32, 32, 32)
        emb = Encoder().eval()(torch.rand(2, 1, 32, 32, 32))
        assert Head().eval()(emb, torch.ones_like(emb)).shape == (2, CLASSES)


def test_head_dropout_mask_is_an_input_not_a_node():
    head = Head().eval()
    e = torch.randn(4, 128)
    with torch.no_grad():
        assert not torch.allclose(head(e, torch.ones_like(e)), head(e, (torch.rand_like(e) > 0.5).float() * 2))


def test_averaged_heads_give_the_mean_probability_through_the_apps_softmax():
    """The app takes a softmax of the head's output per dropout mask: for Heads that must be the heads' mean softmax."""
    torch.manual_seed(0)
    heads = Heads([Head(), Head()]).eval()
    e, drop = torch.randn(4, 128), (torch.rand(4, 128) > 0.25).float() / 0.75
    with torch.no_grad():
        want = (heads.heads[0](e, drop).softmax(1) + heads.heads[1](e, drop).softmax(1)) / 2
        assert torch.allclose(heads(e, drop).softmax(1), want, atol=1e-6)
        assert not torch.allclose(heads(e, drop).softmax(1), heads.heads[0](e, drop).softmax(1), atol=1e-3)
    assert isinstance(head_of(Head().state_dict()), Head)
    assert len(head_of(heads.state_dict()).heads) == 2


def test_export_refuses_ops_the_browser_cannot_run(tmp_path):
    bad = torch.nn.ConvTranspose3d(1, 1, 2, stride=2)
    with pytest.raises(ValueError, match='ConvTranspose'):
        export(bad, (torch.rand(1, 1, 4, 4, 4),), ['x'], ['y'], str(tmp_path / 'bad.onnx'))


def test_sharpening_stage_starts_as_the_model_it_is_added_to():
    """Resuming a segmenter without the stage into one with it changes nothing until it trains."""
    torch.manual_seed(0)
    base = Segmenter().eval()
    with torch.no_grad():
        base.refine[1].weight.normal_(0, 0.1)
        grown = Segmenter(sharpen=8).eval()
        missing, unexpected = grown.load_state_dict(base.state_dict(), strict=False)
        assert not unexpected and all(k.startswith('sharpen.') for k in missing) and missing
        x = torch.rand(2, 2, 32, 32, 32)
        assert torch.equal(base(x), grown(x))
    assert sharpen_width(grown.state_dict()) == 8 and sharpen_width(base.state_dict()) == 0


def test_a_widened_encoder_starts_as_the_one_channel_encoder_and_its_state_says_its_channels():
    """--context resumes a mask-only encoder: the context channel's weights start at 0, so nothing changes until it trains."""
    torch.manual_seed(0)
    one = Encoder().eval()
    two = Encoder(channels=2).eval()
    two.load_state_dict(widened(one.state_dict(), 2))
    x = (torch.rand(3, 2, 32, 32, 32) > 0.7).float()
    with torch.no_grad():
        assert torch.equal(one(x[:, :1]), two(x))
    assert input_channels(two.state_dict()) == 2 and input_channels(one.state_dict()) == 1
    assert isinstance(encoder_of(two.state_dict()), Encoder) and encoder_of(two.state_dict()).features[0][0].in_channels == 2
