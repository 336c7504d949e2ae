"""A transformers pipeline's call split in two, for the prefetch thread (workbench/prefetch.py):
``prepare_pipeline`` does what the pipeline's DataLoader does for a list of texts (``preprocess``
each, or each chunk of a ChunkPipeline such as zero-shot classification, then collate them into
loader batches), ``run_pipeline`` what follows (``forward`` per loader batch, unbatching,
``postprocess``). Both are assembled from the pipeline's own pieces in the order
``Pipeline.get_iterator`` assembles them, so the outputs are the pipeline call's; only the
DataLoader is replaced by the list of batches it would have yielded, made ahead of time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence


@dataclass
class PreparedPipeline:
    batches: list[Any]
    """The loader batches, collated as the pipeline's DataLoader would collate them."""
    batch_size: int
    forward_params: dict[str, Any]
    postprocess_params: dict[str, Any]


def prepare_pipeline(pipe: Any, texts: Sequence[str], batch_size: int, **call_kwargs: Any) -> PreparedPipeline:
    """``pipe(list(texts), batch_size=batch_size, **call_kwargs)`` up to the model: preprocessed
    and collated, nothing run."""
    from transformers.pipelines.base import ChunkPipeline, no_collate_fn, pad_collate_fn
    from transformers.pipelines.pt_utils import PipelineChunkIterator

    pre, fwd, post = pipe._sanitize_parameters(**call_kwargs)
    # As Pipeline.__call__: the pipeline's own defaults, overridden by the call's.
    pre, fwd, post = {**pipe._preprocess_params, **pre}, {**pipe._forward_params, **fwd}, {**pipe._postprocess_params, **post}
    if isinstance(pipe, ChunkPipeline):
        items = list(PipelineChunkIterator(list(texts), pipe.preprocess, pre))
    else:
        items = [pipe.preprocess(text, **pre) for text in texts]
    extractor = pipe.feature_extractor if pipe.feature_extractor is not None else pipe.image_processor
    collate = no_collate_fn if batch_size == 1 else pad_collate_fn(pipe.tokenizer, extractor)
    batches = [collate(items[s : s + batch_size]) for s in range(0, len(items), batch_size)]
    return PreparedPipeline(batches, batch_size, fwd, post)


def run_pipeline(pipe: Any, prepared: PreparedPipeline) -> list[Any]:
    """The pipeline's outputs for the prepared texts, in order (one per text)."""
    from transformers.pipelines.base import ChunkPipeline
    from transformers.pipelines.pt_utils import PipelineIterator, PipelinePackIterator

    model_iterator_cls = PipelinePackIterator if isinstance(pipe, ChunkPipeline) else PipelineIterator
    model_iterator = model_iterator_cls(prepared.batches, pipe.forward, prepared.forward_params, loader_batch_size=prepared.batch_size)
    return list(PipelineIterator(model_iterator, pipe.postprocess, prepared.postprocess_params))
