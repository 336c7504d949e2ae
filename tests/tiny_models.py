"""Tiny random Hugging Face models built on the fly, for tests that must not touch the network."""

from __future__ import annotations

from pathlib import Path

WORDS = (
    "the a film movie was is great awful good bad boring wonderful terrible plot acting music "
    "not very and but it this script cast loved hated fine dull brilliant mess"
).split()


def train_tokenizer(path: Path, texts: list[str], max_length: int = 64):
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import BertTokenizerFast

    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tok.train_from_iterator(list(texts) + [" ".join(WORDS)], trainers.WordPieceTrainer(vocab_size=300, special_tokens=specials))
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)]
    )
    fast = BertTokenizerFast(tokenizer_object=tok, model_max_length=max_length)
    fast.save_pretrained(path)
    return fast


def tiny_bert_classifier(path: Path, labels: list[str], texts: list[str] | None = None, seed: int = 0) -> Path:
    """A 1-layer, 16-wide BERT sequence classifier with these id2label names, saved to ``path``."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    tok = train_tokenizer(path, texts or WORDS)
    config = BertConfig(
        vocab_size=len(tok), hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32,
        max_position_embeddings=64, num_labels=len(labels),
        id2label=dict(enumerate(labels)), label2id={name: i for i, name in enumerate(labels)},
    )  # fmt: skip
    torch.manual_seed(seed)
    model = BertForSequenceClassification(config)
    with torch.no_grad():  # random heads are near-uniform; spread them so argmax is decisive
        model.classifier.weight.mul_(50)
    model.save_pretrained(path)
    return path
