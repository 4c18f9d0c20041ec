"""Checkpoints rebuilt from the shipped ONNX files: the same network, and one that trains on from there."""
import copy
import os

import pytest
import torch

from training.models.detector import Detector
from training.recover import MODELS, embedding_width, freeze_batchnorm, input_channels_of, inputs_of, load_onnx, recover_all, verify


def test_every_shipped_model_is_recovered_exactly(tmp_path):
    inp = inputs_of(embedding_width(), input_channels_of(os.path.join(MODELS, 'encoder.onnx')))
    for name, model in recover_all().items():
        # Exported again, it gives the shipped file's weights to float rounding (in fact bit for bit).
        assert verify(model, os.path.join(MODELS, f'{name}.onnx'), inp[name], str(tmp_path / f'{name}.onnx')) <= 1e-6


def test_a_different_architecture_is_refused():
    with pytest.raises(ValueError, match='weights'):
        load_onnx(Detector(width=8), os.path.join(MODELS, 'detector.onnx'), inputs_of()['detector'])


def test_frozen_batchnorm_keeps_the_recovered_function_in_train_mode():
    det = recover_all()['detector']
    x = torch.rand(2, 1, 64, 64)
    with torch.no_grad():
        want = det(x)[0]
        moved = copy.deepcopy(det).train()(x)[0]   # batch statistics: another function
        kept = freeze_batchnorm(det.train())(x)[0]
    assert (moved - want).abs().max() > 1e-3
    assert torch.allclose(kept, want, atol=1e-6)
    assert not any(p.requires_grad for m in det.modules() if isinstance(m, torch.nn.BatchNorm2d) for p in m.parameters())


def test_a_segmenter_with_a_sharpening_stage_is_recovered_with_it(tmp_path):
    """recover reads the segmenter's shape from its file: with or without the sharpening stage."""
    from training.models.export import export
    from training.models.segmenter import Segmenter, sharpen_width
    from training.recover import segmenter_of
    for width in (0, 6):
        path = str(tmp_path / f'seg{width}.onnx')
        export(Segmenter(sharpen=width).eval(), inputs_of()['segmenter'], ['input'], ['prob'], path)
        assert sharpen_width(segmenter_of(path).state_dict()) == width


def test_a_head_of_several_averaged_heads_is_recovered_as_such(tmp_path):
    """recover reads the number of averaged heads from the head's file, and the weights of each."""
    from training.models.export import export
    from training.models.identifier import Head, Heads
    from training.recover import head_from
    torch.manual_seed(0)
    e, drop = torch.randn(4, 128), (torch.rand(4, 128) > 0.25).float() / 0.75
    for model in (Head(), Heads([Head(), Head(), Head()])):
        path = str(tmp_path / 'head.onnx')
        export(model.eval(), inputs_of()['head'], ['embedding', 'dropout'], ['logits'], path)
        back = load_onnx(head_from(path), path, inputs_of()['head'])
        assert type(back) is type(model) and len(list(back.parameters())) == len(list(model.parameters()))
        with torch.no_grad():
            assert torch.allclose(back(e, drop), model(e, drop), atol=1e-6)


def test_an_ensemble_of_identifier_runs_is_recovered_as_such(tmp_path):
    """Encoders side by side (BatchNorms folded into their convs) and member heads, each of one or several heads."""
    from training.models.export import export
    from training.models.identifier import Encoder, Head, Heads, MemberHeads, Members, encoder_of, head_of
    from training.recover import weight_names
    torch.manual_seed(0)
    enc, head = Members([Encoder(), Encoder()]).eval(), MemberHeads([Heads([Head(), Head()]), Head()]).eval()
    for m in enc.modules():   # BatchNorms with statistics of their own, so that folding them is tested
        if isinstance(m, torch.nn.BatchNorm3d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2)
    inp = inputs_of(256)
    mask = (torch.rand(2, 1, 48, 48, 48) > 0.7).float()
    e, drop = torch.randn(3, 256), (torch.rand(3, 256) > 0.25).float() / 0.75
    for name, model, x in (('encoder', enc, (mask,)), ('head', head, (e, drop))):
        path = str(tmp_path / f'{name}.onnx')
        export(model, inp[name], ['mask'] if name == 'encoder' else ['embedding', 'dropout'], ['embedding' if name == 'encoder' else 'logits'], path)
        fresh = (encoder_of if name == 'encoder' else head_of)(weight_names(path))
        assert type(fresh) is type(model) and len(fresh.members) == 2
        back = load_onnx(fresh, path, inp[name])
        with torch.no_grad():
            assert torch.allclose(back(*x), model(*x), atol=1e-4)


def test_an_encoder_with_the_context_channel_is_recovered_with_two_input_channels(tmp_path):
    from training.models.export import export
    from training.models.identifier import Encoder, encoder_of
    from training.recover import weight_names
    torch.manual_seed(0)
    enc = Encoder(channels=2).eval()
    for m in enc.modules():   # BatchNorms with statistics of their own (default ones fold into biases ONNX shares)
        if isinstance(m, torch.nn.BatchNorm3d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2)
    path = str(tmp_path / 'encoder.onnx')
    export(enc, inputs_of(128, 2)['encoder'], ['mask'], ['embedding'], path)
    assert input_channels_of(path) == 2
    back = load_onnx(encoder_of(weight_names(path), input_channels_of(path)), path, inputs_of(128, 2)['encoder'])
    x = (torch.rand(2, 2, 48, 48, 48) > 0.7).float()
    with torch.no_grad():
        assert torch.allclose(back(x), enc(x), atol=1e-4)
