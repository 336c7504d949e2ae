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


def tiny_sentence_transformer(path: Path, texts: list[str] | None = None, seed: int = 0) -> Path:
    """A 1-layer, 16-wide BERT body with mean pooling, saved as a sentence-transformers folder."""
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers import BertConfig, BertModel

    try:  # sentence-transformers 6 moved the modules; 3-5 have them here only
        from sentence_transformers.sentence_transformer import modules as models
    except ImportError:
        from sentence_transformers import models  # type: ignore[no-redef]

    body = path / "body"
    tok = train_tokenizer(body, texts or WORDS)
    config = BertConfig(vocab_size=len(tok), hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32, max_position_embeddings=64)
    torch.manual_seed(seed)
    BertModel(config).save_pretrained(body)
    transformer = models.Transformer(str(body), max_seq_length=64)
    SentenceTransformer(modules=[transformer, models.Pooling(16, "mean")], device="cpu").save(str(path / "st"))
    return path / "st"


def _word_tokenizer(path: Path, texts: list[str], specials: list[str], single: str, **names):
    """A word-level fast tokenizer over the test's words; ``single`` is its post-processing template."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.WordLevel(unk_token=names["unk_token"]))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    words = list(texts) + [" ".join(WORDS), "positive negative neutral pos neg 0 1 review sentence following is or ? . , :"]
    tok.train_from_iterator(words, trainers.WordLevelTrainer(vocab_size=400, special_tokens=specials))
    ids = [(s, tok.token_to_id(s)) for s in specials if s in single]
    tok.post_processor = processors.TemplateProcessing(single=single, special_tokens=ids)
    tok.decoder = decoders.WordPiece()  # joins words with spaces
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, model_max_length=256, **names)
    fast.save_pretrained(path)
    return fast


def tiny_t5(path: Path, texts: list[str] | None = None, seed: int = 0) -> Path:
    """A 1-layer, 16-wide T5 encoder-decoder with a word-level tokenizer that ends inputs with </s>."""
    import torch
    from transformers import T5Config, T5ForConditionalGeneration

    tok = _word_tokenizer(path, texts or WORDS, ["<pad>", "</s>", "<unk>"], "$A </s>", pad_token="<pad>", eos_token="</s>", unk_token="<unk>")
    config = T5Config(
        vocab_size=len(tok), d_model=16, d_kv=8, d_ff=32, num_layers=1, num_decoder_layers=1, num_heads=2,
        pad_token_id=0, eos_token_id=1, decoder_start_token_id=0,
    )  # fmt: skip
    torch.manual_seed(seed)
    T5ForConditionalGeneration(config).save_pretrained(path)
    return path


CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|> {{ m['content'] }} <|end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|> {% endif %}"
)


def tiny_chat_lm(path: Path, texts: list[str] | None = None, seed: int = 0, chat_template: str | None = CHAT_TEMPLATE, positions: int = 1024) -> Path:
    """A 1-layer, 16-wide Llama causal LM whose tokenizer has a small chat template."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    specials = ["<pad>", "<unk>", "<|end|>", "<|system|>", "<|user|>", "<|assistant|>"]
    tok = _word_tokenizer(path, texts or WORDS, specials, "$A", pad_token="<pad>", eos_token="<|end|>", unk_token="<unk>")
    if chat_template:
        tok.chat_template = chat_template
        tok.save_pretrained(path)
    config = LlamaConfig(
        vocab_size=len(tok), hidden_size=16, intermediate_size=32, num_hidden_layers=1, num_attention_heads=2,
        num_key_value_heads=2, max_position_embeddings=positions, pad_token_id=0, eos_token_id=2, bos_token_id=None,
    )  # fmt: skip
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    with torch.no_grad():  # random logits are near-uniform; sharpen them so greedy answers vary by input
        model.lm_head.weight.mul_(30)
    model.save_pretrained(path)
    return path


def tiny_nli(path: Path, texts: list[str] | None = None, seed: int = 0) -> Path:
    """A tiny BERT sequence-pair classifier labelled like an MNLI model."""
    return tiny_bert_classifier(path, ["contradiction", "neutral", "entailment"], texts, seed)


def tiny_local_models(root: Path, texts: list[str]) -> dict[str, Path]:
    """One tiny model per local transformers method, all over ``texts``' words: a sentiment
    classifier (negative/positive), a T5, a chat LM and an NLI model."""
    return {
        "classifier": tiny_bert_classifier(root / "clf", ["negative", "positive"], texts),
        "t5": tiny_t5(root / "t5", texts),
        "lm": tiny_chat_lm(root / "lm", texts),
        "nli": tiny_nli(root / "nli", texts),
    }
